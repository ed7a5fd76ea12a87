"""The baseline of `arena bench lm`: HF transformers' generate on the same weights, prompts, lengths and device.

  bench_lm_hf.py DIR --batches 1,16 --prompt-tokens 64 --new-tokens 32 --repeats 3 --device cpu --dtype float32

Prompts are the same token ids Arena uses: token t of row b is 1 + (b * 131 + t * 7) % (vocab - 1). Sampling at
temperature 1 with no top-k / top-p and no end token, so every row generates exactly --new-tokens tokens. Prints one
JSON object: {"batches": {B: median seconds}, "device": ..., "transformers": version}.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import transformers
    from transformers import Qwen3ForCausalLM
except ImportError as e:
    print(json.dumps({"error": f"missing {e.name}"}))
    sys.exit(77)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--batches", default="1,16,64,256")
    ap.add_argument("--prompt-tokens", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32")
    a = ap.parse_args()
    model = Qwen3ForCausalLM.from_pretrained(a.dir, dtype=getattr(torch, a.dtype)).to(a.device).eval()
    vocab = model.config.vocab_size
    out = {}
    for batch in [int(x) for x in a.batches.split(",")]:
        ids = torch.tensor([[1 + (b * 131 + t * 7) % (vocab - 1) for t in range(a.prompt_tokens)] for b in range(batch)],
                           device=a.device)
        mask = torch.ones_like(ids)
        kwargs = dict(attention_mask=mask, max_new_tokens=a.new_tokens, min_new_tokens=a.new_tokens, do_sample=True,
                      temperature=1.0, top_k=0, top_p=1.0, pad_token_id=0, eos_token_id=None)
        times = []
        with torch.inference_mode():
            model.generate(ids, **kwargs)  # warm-up
            for _ in range(a.repeats):
                if a.device.startswith("cuda"):
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                gen = model.generate(ids, **kwargs)
                if a.device.startswith("cuda"):
                    torch.cuda.synchronize()
                times.append(time.perf_counter() - t0)
                assert gen.shape[1] == a.prompt_tokens + a.new_tokens
        out[str(batch)] = statistics.median(times)
    print(json.dumps({"batches": out, "device": a.device, "transformers": transformers.__version__}))


if __name__ == "__main__":
    main()
