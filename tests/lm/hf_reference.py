"""Reference side of the Qwen3 parity tests: `transformers` builds, saves, loads and runs the models Arena compares with.

  hf_reference.py make DIR VARIANT SHARD_KB DTYPE DEVICE
      A random Qwen3ForCausalLM (seeded; weights drawn wide enough that every part of the network shows in the logits;
      VARIANT untied | tied | odd, the last with q/k/v/o biases, as many kv heads as heads, and heads × head_dim
      unlike hidden_size, as real Qwen3 sizes have)
      saved with save_pretrained into DIR (sharded when SHARD_KB > 0), plus DIR/reference.safetensors holding a
      left-padded batch (ids, mask), the logits at every position and 8 greedily generated tokens per row.
  hf_reference.py check DIR DTYPE DEVICE ATOL
      Loads DIR (written by Arena) with from_pretrained and compares its logits with DIR/arena_logits.safetensors
      (ids, mask, logits computed by Arena); exit 0 when they agree within ATOL.
Exit status 77 when torch or transformers is missing.
"""
import sys

try:
    import torch
    from safetensors.torch import load_file, save_file
    from transformers import Qwen3Config, Qwen3ForCausalLM
except ImportError as e:  # pragma: no cover
    print(f"skip: {e}")
    sys.exit(77)


def positions(mask):
    return (mask.cumsum(-1) - 1).clamp(min=0)


def batch(vocab):
    g = torch.Generator().manual_seed(7)
    lengths = [9, 4, 300, 1]  # one long row: rotary positions into the hundreds
    width = max(lengths)
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, width - n:] = torch.randint(0, vocab, (n,), generator=g)
        mask[b, width - n:] = 1
    return ids, mask


def make(out, variant, shard_kb, dtype, device):
    torch.manual_seed(1234)
    odd = variant == "odd"
    cfg = Qwen3Config(vocab_size=300, hidden_size=64, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=4 if odd else 2, head_dim=32 if odd else 16, attention_bias=odd,
                      max_position_embeddings=512, rope_theta=1000000.0 if odd else 10000.0, rms_norm_eps=1e-6,
                      tie_word_embeddings=variant == "tied", pad_token_id=0, bos_token_id=None, eos_token_id=None)
    model = Qwen3ForCausalLM(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.25)
    model = model.to(dtype=getattr(torch, dtype)).to(device).eval()
    kwargs = {"max_shard_size": f"{shard_kb}KB"} if shard_kb > 0 else {}
    model.save_pretrained(out, **kwargs)
    ids, mask = batch(cfg.vocab_size)
    ids, mask = ids.to(device), mask.to(device)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions(mask)).logits.float()
        gen = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=8, do_sample=False, pad_token_id=0,
                             eos_token_id=None)[:, ids.shape[1]:]
    save_file({"ids": ids.cpu(), "mask": mask.cpu(), "logits": logits.cpu().contiguous(), "generated": gen.cpu().contiguous()},
              f"{out}/reference.safetensors")


def check(out, dtype, device, atol):
    model = Qwen3ForCausalLM.from_pretrained(out, dtype=getattr(torch, dtype)).to(device).eval()
    ref = load_file(f"{out}/arena_logits.safetensors")
    ids, mask = ref["ids"].to(device), ref["mask"].to(device)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions(mask)).logits.float().cpu()
    valid = ref["mask"].bool()
    diff = (logits - ref["logits"]).abs()[valid].max().item()
    print(f"max |hf - arena| over valid positions: {diff:.3g} (atol {atol})")
    sys.exit(0 if diff <= atol else 1)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
