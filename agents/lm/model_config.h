// The architecture of a Qwen3-family decoder, read from and written to a Hugging Face `config.json` (model_type
// "qwen3"). Torch-free, so the CLI and tests can validate a checkpoint directory without LibTorch.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace arena::lm {

struct ModelConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int intermediate_size = 0;
  int num_hidden_layers = 0;
  int num_attention_heads = 0;
  int num_key_value_heads = 0;
  int head_dim = 0;                  // absent from a config.json: 128, as Qwen3Config
  double rope_theta = 1e6;           // absent from a config.json: 10000, as Qwen3Config
  double rms_norm_eps = 1e-6;
  int max_position_embeddings = 4096;
  bool tie_word_embeddings = true;
  bool attention_bias = false;       // q/k/v/o projections with bias (false in every released Qwen3)
  double initializer_range = 0.02;
  std::string dtype = "float32";     // the dtype weights are stored in: float32 | bfloat16 | float16
  int bos_token_id = -1;             // -1 when absent
  int eos_token_id = -1;
  int pad_token_id = -1;

  std::int64_t parameter_count() const;
  // One line: "d=256 L=4 heads=4/2 hd=64 ff=768 vocab=263 tied, 3.2M parameters".
  std::string summary() const;
};

// Parses an HF config.json object; arena::Error naming `source` and the field for a missing or invalid value, a
// model_type other than qwen3, or features this implementation does not have (rope_scaling, sliding windows,
// hidden_act other than silu).
ModelConfig parse_model_config(const nlohmann::json& j, const std::string& source);
ModelConfig read_model_config(const std::string& path);
// The config.json that `transformers` reads back into an equal Qwen3Config.
nlohmann::json model_config_json(const ModelConfig& c);

// Named sizes for models trained from scratch with the byte-level tokenizer (vocab 263):
//   micro  d=32  L=1 heads 2/1 hd 16 ff 64      (unit tests)
//   tiny   d=64  L=2 heads 4/2 hd 16 ff 192
//   small  d=256 L=4 heads 4/2 hd 64 ff 768    (about 3M parameters)
//   25m    d=512 L=8 heads 8/4 hd 64 ff 1536   (about 25M parameters)
ModelConfig preset_model_config(const std::string& name, int vocab_size);

}  // namespace arena::lm
