#include "agents/lm/model_config.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "games/api/params.h"

namespace arena::lm {
namespace {

int get_int(const nlohmann::json& j, const char* key, const std::string& source, int fallback, bool required,
            int min_value = 1) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) throw Error(source + ": missing field '" + key + "'");
    return fallback;
  }
  if (!it->is_number_integer()) throw Error(source + ": field '" + key + "' must be an integer");
  const auto v = it->get<std::int64_t>();
  if (v < min_value || v > (1 << 30))
    throw Error(source + ": field '" + key + "' = " + std::to_string(v) + " is out of range");
  return static_cast<int>(v);
}

double get_double(const nlohmann::json& j, const char* key, const std::string& source, double fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw Error(source + ": field '" + key + "' must be a number");
  const double v = it->get<double>();
  if (!(v > 0)) throw Error(source + ": field '" + key + "' must be positive");
  return v;
}

bool get_bool(const nlohmann::json& j, const char* key, const std::string& source, bool fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(source + ": field '" + key + "' must be true or false");
  return it->get<bool>();
}

// bos/eos/pad ids may be an integer, a list (the first is used) or null.
int get_token_id(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return -1;
  if (it->is_number_integer()) return it->get<int>();
  if (it->is_array() && !it->empty() && (*it)[0].is_number_integer()) return (*it)[0].get<int>();
  return -1;
}

}  // namespace

std::int64_t ModelConfig::parameter_count() const {
  const std::int64_t d = hidden_size, q = std::int64_t(num_attention_heads) * head_dim,
                     kv = std::int64_t(num_key_value_heads) * head_dim;
  std::int64_t layer = d * q + 2 * d * kv + q * d + 3 * d * intermediate_size + 2 * d + 2 * head_dim;
  if (attention_bias) layer += q + 2 * kv + d;
  std::int64_t total = layer * num_hidden_layers + std::int64_t(vocab_size) * d + d;
  if (!tie_word_embeddings) total += std::int64_t(vocab_size) * d;
  return total;
}

std::string ModelConfig::summary() const {
  char buf[256];
  std::snprintf(buf, sizeof buf, "d=%d L=%d heads=%d/%d hd=%d ff=%d vocab=%d%s, %.2fM parameters", hidden_size,
                num_hidden_layers, num_attention_heads, num_key_value_heads, head_dim, intermediate_size, vocab_size,
                tie_word_embeddings ? " tied" : "", parameter_count() / 1e6);
  return buf;
}

ModelConfig parse_model_config(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": a model config must be a JSON object");
  const std::string type = j.value("model_type", std::string());
  if (type != "qwen3")
    throw Error(source + ": model_type '" + type + "' is not supported (expected \"qwen3\")");
  ModelConfig c;
  c.vocab_size = get_int(j, "vocab_size", source, 0, true);
  c.hidden_size = get_int(j, "hidden_size", source, 0, true);
  c.intermediate_size = get_int(j, "intermediate_size", source, 0, true);
  c.num_hidden_layers = get_int(j, "num_hidden_layers", source, 0, true);
  c.num_attention_heads = get_int(j, "num_attention_heads", source, 0, true);
  // Absent fields take Qwen3Config's defaults, so a config means what it means to `transformers`.
  c.num_key_value_heads = get_int(j, "num_key_value_heads", source, 32, false);
  c.head_dim = get_int(j, "head_dim", source, 128, false);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw Error(source + ": num_attention_heads (" + std::to_string(c.num_attention_heads) +
                ") must be a multiple of num_key_value_heads (" + std::to_string(c.num_key_value_heads) + ")");
  if (c.head_dim % 2 != 0) throw Error(source + ": head_dim must be even for rotary embeddings");
  // transformers 5 writes rope_theta inside rope_parameters; older versions at the top level.
  c.rope_theta = get_double(j, "rope_theta", source, 10000.0);
  if (auto rp = j.find("rope_parameters"); rp != j.end() && rp->is_object()) {
    c.rope_theta = get_double(*rp, "rope_theta", source + " rope_parameters", c.rope_theta);
    const std::string rt = rp->value("rope_type", std::string("default"));
    if (rt != "default") throw Error(source + ": rope_parameters.rope_type '" + rt + "' is not supported");
  }
  if (auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null()) {
    const std::string rt = rs->is_object() ? rs->value("rope_type", rs->value("type", std::string())) : "";
    if (rt != "default") throw Error(source + ": rope_scaling is not supported");
  }
  c.rms_norm_eps = get_double(j, "rms_norm_eps", source, 1e-6);
  c.max_position_embeddings = get_int(j, "max_position_embeddings", source, 4096, false);
  c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", source, false);
  c.attention_bias = get_bool(j, "attention_bias", source, false);
  c.initializer_range = get_double(j, "initializer_range", source, 0.02);
  if (get_bool(j, "use_sliding_window", source, false))
    throw Error(source + ": use_sliding_window = true is not supported");
  if (auto lt = j.find("layer_types"); lt != j.end() && lt->is_array())
    for (const auto& t : *lt)
      if (!t.is_string() || t.get<std::string>() != "full_attention")
        throw Error(source + ": layer_types other than full_attention are not supported");
  const std::string act = j.value("hidden_act", std::string("silu"));
  if (act != "silu") throw Error(source + ": hidden_act '" + act + "' is not supported (expected silu)");
  std::string dtype = j.value("dtype", j.value("torch_dtype", std::string("float32")));
  if (dtype != "float32" && dtype != "bfloat16" && dtype != "float16")
    throw Error(source + ": dtype '" + dtype + "' is not supported (float32, bfloat16, float16)");
  c.dtype = dtype;
  c.bos_token_id = get_token_id(j, "bos_token_id");
  c.eos_token_id = get_token_id(j, "eos_token_id");
  c.pad_token_id = get_token_id(j, "pad_token_id");
  return c;
}

ModelConfig read_model_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read model config " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const std::exception& e) {
    throw Error(path + ": not valid JSON (" + e.what() + ")");
  }
  return parse_model_config(j, path);
}

nlohmann::json model_config_json(const ModelConfig& c) {
  nlohmann::json j = {
      {"architectures", {"Qwen3ForCausalLM"}},
      {"model_type", "qwen3"},
      {"vocab_size", c.vocab_size},
      {"hidden_size", c.hidden_size},
      {"intermediate_size", c.intermediate_size},
      {"num_hidden_layers", c.num_hidden_layers},
      {"num_attention_heads", c.num_attention_heads},
      {"num_key_value_heads", c.num_key_value_heads},
      {"head_dim", c.head_dim},
      {"hidden_act", "silu"},
      {"max_position_embeddings", c.max_position_embeddings},
      {"rms_norm_eps", c.rms_norm_eps},
      {"rope_theta", c.rope_theta},
      {"rope_scaling", nullptr},
      {"tie_word_embeddings", c.tie_word_embeddings},
      {"attention_bias", c.attention_bias},
      {"attention_dropout", 0.0},
      {"use_sliding_window", false},
      {"use_cache", true},
      {"initializer_range", c.initializer_range},
      {"torch_dtype", c.dtype},
  };
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_id >= 0) j["eos_token_id"] = c.eos_token_id;
  if (c.pad_token_id >= 0) j["pad_token_id"] = c.pad_token_id;
  return j;
}

ModelConfig preset_model_config(const std::string& name, int vocab_size) {
  ModelConfig c;
  c.vocab_size = vocab_size;
  c.tie_word_embeddings = true;
  auto set = [&](int d, int layers, int heads, int kv, int hd, int ff) {
    c.hidden_size = d;
    c.num_hidden_layers = layers;
    c.num_attention_heads = heads;
    c.num_key_value_heads = kv;
    c.head_dim = hd;
    c.intermediate_size = ff;
  };
  if (name == "micro") set(32, 1, 2, 1, 16, 64);
  else if (name == "tiny") set(64, 2, 4, 2, 16, 192);
  else if (name == "small") set(256, 4, 4, 2, 64, 768);
  else if (name == "25m") set(512, 8, 8, 4, 64, 1536);
  else throw Error("unknown model size '" + name + "' (expected micro, tiny, small or 25m)");
  return c;
}

}  // namespace arena::lm
