// A shared library without the plugin entry point.
extern "C" int some_other_symbol() { return 42; }
