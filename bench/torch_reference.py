#!/usr/bin/env python3
"""The PyTorch measuring stick for `cargo xtask bench`.

The same architecture (ViT vision tower, 2-layer projector, Llama-style decoder with RMSNorm,
RoPE, GQA and SwiGLU, the latent block's slots, Gaussian heads and injector), the same loss
(masked NTP + beta * KL(sg q || p) + gamma * KL(sg p || q)) and the same AdamW step with
per-parameter gradient-norm clipping as crates/amvl-train, on the same fixed synthetic shapes.
The training step runs with the shared prefix (the prefix's keys/values reused by the prior,
posterior and decode passes) and naive (three full passes); inference times the prefill and
greedy decoding with and without the KV cache. It prints the same JSON fields as ours.

Written as an expert would for speed: SDPA's causal path (no mask) for every pass over a whole
sequence and grouped-query attention without repeating k/v (`enable_gqa`), an explicit mask only
for a suffix over a cached prefix, PyTorch's own `nn.RMSNorm`, foreach/fused AdamW. The gradient
clipping stays per parameter, as Burn's is, so both do the same work.

It is a measuring stick only: not a dependency of the project, not run by CI.
See bench/README.md for installing torch.

    python bench/torch_reference.py --config small --device cpu --mode fp32 --threads 2
    python bench/torch_reference.py --spec spec.json --device cuda --mode bf16 --json out.json
    python bench/torch_reference.py ... --serve   # used by `cargo xtask bench --compare`

Modes: fp32; bf16 (torch.autocast to bfloat16, fp32 master weights: PyTorch's usual mixed
precision); bf16-pure (parameters and activations in bfloat16, like a Burn device configured
to BF16); compile (torch.compile of the training steps, bf16 autocast on cuda, fp32 on cpu;
inference figures run eagerly).
"""

import argparse
import datetime
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

FIGURES = ["train_shared", "train_naive", "train_one_pass", "prefill", "decode_cached", "decode_recompute"]
TRAINING = {"train_shared", "train_naive", "train_one_pass"}


# ----------------------------------------------------------------------------- model


def gelu_tanh(x):
    return F.gelu(x, approximate="tanh")


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


ACTIVATIONS = {"gelu_pytorch_tanh": gelu_tanh, "gelu": F.gelu, "quick_gelu": quick_gelu}


class VisionLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden_size"]
        self.heads = c["num_heads"]
        self.layer_norm1 = nn.LayerNorm(d, eps=c["layer_norm_eps"])
        self.layer_norm2 = nn.LayerNorm(d, eps=c["layer_norm_eps"])
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)
        self.fc1 = nn.Linear(d, c["intermediate_size"])
        self.fc2 = nn.Linear(c["intermediate_size"], d)
        self.act = ACTIVATIONS[c["activation"]]

    def forward(self, x):
        b, n, d = x.shape
        h = self.layer_norm1(x)
        split = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        a = F.scaled_dot_product_attention(split(self.q_proj(h)), split(self.k_proj(h)), split(self.v_proj(h)))
        x = x + self.out_proj(a.transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(self.act(self.fc1(self.layer_norm2(x))))


class Vision(nn.Module):
    def __init__(self, c):
        super().__init__()
        assert not c["class_token"] and not c["pre_layernorm"] and c["pooling"] == "none" and not c.get("stem_channels") \
            and c.get("merge_size", 1) <= 1, \
            "bench towers are plain SigLIP-style ViTs"
        d = c["hidden_size"]
        self.patch_embedding = nn.Conv2d(c["num_channels"], d, c["patch_size"], stride=c["patch_size"], bias=c["patch_bias"])
        tokens = (c["image_size"] // c["patch_size"]) ** 2
        self.position_embedding = nn.Parameter(torch.randn(tokens, d) * 0.02)
        self.layers = nn.ModuleList([VisionLayer(c) for _ in range(c["num_layers"])])
        self.post_layernorm = nn.LayerNorm(d, eps=c["layer_norm_eps"])

    def forward(self, pixels):
        x = self.patch_embedding(pixels).flatten(2).transpose(1, 2) + self.position_embedding
        for layer in self.layers:
            x = layer(x)
        return self.post_layernorm(x)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class DecoderLayer(nn.Module):
    def __init__(self, c, hd):
        super().__init__()
        d = c["hidden_size"]
        self.h, self.kv, self.hd = c["num_heads"], c["num_kv_heads"], hd
        bias = c["qkv_bias"]
        self.q_proj = nn.Linear(d, self.h * hd, bias=bias)
        self.k_proj = nn.Linear(d, self.kv * hd, bias=bias)
        self.v_proj = nn.Linear(d, self.kv * hd, bias=bias)
        self.o_proj = nn.Linear(self.h * hd, d, bias=False)
        self.gate_proj = nn.Linear(d, c["intermediate_size"], bias=False)
        self.up_proj = nn.Linear(d, c["intermediate_size"], bias=False)
        self.down_proj = nn.Linear(c["intermediate_size"], d, bias=False)
        self.input_layernorm = nn.RMSNorm(d, eps=c["rms_eps"])
        self.post_attention_layernorm = nn.RMSNorm(d, eps=c["rms_eps"])

    def forward(self, x, cos, sin, mask, cache):
        b, s, _ = x.shape
        h = self.input_layernorm(x)
        split = lambda t, n: t.view(b, s, n, self.hd).transpose(1, 2)
        q = split(self.q_proj(h), self.h)
        k = split(self.k_proj(h), self.kv)
        v = split(self.v_proj(h), self.kv)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        new_cache = (k, v)
        # mask None: the whole sequence, causal (SDPA's causal path, flash kernels on a GPU);
        # grouped-query attention without repeating k/v.
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None, enable_gqa=True)
        x = x + self.o_proj(a.transpose(1, 2).reshape(b, s, self.h * self.hd))
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h)), new_cache


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.hd = c["head_dim"] or c["hidden_size"] // c["num_heads"]
        self.theta = c["rope_theta"]
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        nn.init.normal_(self.embed_tokens.weight, std=c["init_std"])
        self.layers = nn.ModuleList([DecoderLayer(c, self.hd) for _ in range(c["num_layers"])])
        self.norm = nn.RMSNorm(c["hidden_size"], eps=c["rms_eps"])
        self.tie = c["tie_embeddings"]
        if not self.tie:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        self.full_sequences = False
        inv = 1.0 / (self.theta ** (torch.arange(0, self.hd // 2, dtype=torch.float32) * 2 / self.hd))
        self.register_buffer("inv_freq", inv, persistent=False)

    def logits(self, hidden):
        return hidden @ self.embed_tokens.weight.t() if self.tie else self.lm_head(hidden)

    def forward_embeds(self, embeds, real, cache):
        """embeds [b, s, d], real [b, s] bool, cache (layers, real_all) or None.

        With `full_sequences` (every position real, as in the bench's synthetic batches) a pass
        without a cache needs no mask: SDPA runs its causal path. A suffix over a cached prefix
        keeps an explicit mask (its causal diagonal is offset by the prefix)."""
        b, s, _ = embeds.shape
        if cache is None:
            cached, start, real_all = 0, torch.zeros(b, 1, dtype=torch.long, device=embeds.device), real
        else:
            layers, past_real = cache
            cached = past_real.shape[1]
            start = past_real.long().sum(1, keepdim=True)
            real_all = torch.cat([past_real, real], dim=1)
        positions = (start + real.long().cumsum(1) - 1).clamp_min(0)
        angles = positions.float()[..., None] * self.inv_freq
        angles = torch.cat([angles, angles], dim=-1)[:, None]
        cos, sin = angles.cos().to(embeds.dtype), angles.sin().to(embeds.dtype)
        total = cached + s
        q_idx = torch.arange(cached, total, device=embeds.device)[:, None]
        k_idx = torch.arange(total, device=embeds.device)[None, :]
        if self.full_sequences and cache is None:
            mask = None
        elif self.full_sequences:
            mask = (k_idx <= q_idx)[None, None]
        else:
            # True = attend: earlier-or-equal real keys, and always itself.
            attend = (k_idx <= q_idx)[None] & (real_all[:, None, :] | (k_idx == q_idx)[None])
            mask = attend[:, None]
        x = embeds
        new_layers = []
        for i, layer in enumerate(self.layers):
            x, c = layer(x, cos, sin, mask, None if cache is None else cache[0][i])
            new_layers.append(c)
        return self.norm(x), (new_layers, real_all)


class GaussianHead(nn.Module):
    def __init__(self, d, hidden, d_latent, lo, hi):
        super().__init__()
        self.hidden = nn.Linear(d, hidden)
        self.mean = nn.Linear(hidden, d_latent)
        self.log_std = nn.Linear(hidden, d_latent)
        for m in (self.mean, self.log_std):
            nn.init.normal_(m.weight, std=0.02)
        self.lo, self.hi = lo, hi

    def forward(self, h):
        h = F.gelu(self.hidden(h))
        return self.mean(h), self.log_std(h).clamp(self.lo, self.hi)


def kl(mu1, ls1, mu2, ls2):
    """KL(N1 || N2) per slot, summed over dimensions: [b, k]."""
    var1 = (2 * ls1).exp()
    inv_var2 = (-2 * ls2).exp()
    return (ls2 - ls1 + (var1 + (mu1 - mu2) ** 2) * inv_var2 * 0.5 - 0.5).sum(-1)


class Amvl(nn.Module):
    def __init__(self, spec):
        super().__init__()
        m = spec["model"]
        dec, vis, lat = m["decoder"], m["vision"], m["latent"]
        assert not m.get("image_slot_embeddings"), "the reference has no image-slot embeddings"
        assert not m.get("center_image_tokens"), "the reference does not centre image tokens"
        d = dec["hidden_size"]
        self.vision = Vision(vis)
        hidden = m["projector_hidden"] or d
        self.proj1 = nn.Linear(vis["hidden_size"], hidden)
        self.proj2 = nn.Linear(hidden, d)
        self.decoder = Decoder(dec)
        self.k = lat["slots"]
        assert self.k > 0, "the bench model has a latent block"
        self.slots = nn.Parameter(torch.randn(self.k, d) * 0.02)
        args = (d, lat["head_hidden"], lat["d_latent"], lat["log_std_min"], lat["log_std_max"])
        self.prior_head = GaussianHead(*args)
        self.posterior_head = GaussianHead(*args)
        self.injector = nn.Linear(lat["d_latent"], d)

    def prefix_embeds(self, batch):
        images = batch["images"]
        b, m, c, h, w = images.shape
        feats = self.vision(images.reshape(b * m, c, h, w))
        feats = feats.reshape(b, -1, feats.shape[-1])
        img = self.proj2(F.gelu(self.proj1(feats)))
        img_real = batch["image_mask"][:, :, None].expand(b, m, feats.shape[1] // m).reshape(b, -1)
        q = self.decoder.embed_tokens(batch["question"])
        return torch.cat([img, q], 1), torch.cat([img_real, batch["question_mask"]], 1)

    def run_prefix(self, batch, shared):
        embeds, real = self.prefix_embeds(batch)
        if shared:
            return ("cached", self.decoder.forward_embeds(embeds, real, None)[1])
        return ("naive", embeds, real)

    def run_suffix(self, prefix, suffix, real):
        if prefix[0] == "cached":
            return self.decoder.forward_embeds(suffix, real, prefix[1])
        _, embeds, preal = prefix
        start = embeds.shape[1]
        h, c = self.decoder.forward_embeds(torch.cat([embeds, suffix], 1), torch.cat([preal, real], 1), None)
        return h[:, start:], c

    def slots_for(self, b):
        return self.slots[None].expand(b, self.k, self.slots.shape[1])

    def prior(self, prefix, b, device):
        h, _ = self.run_suffix(prefix, self.slots_for(b), torch.ones(b, self.k, dtype=torch.bool, device=device))
        return self.prior_head(h)

    def posterior(self, prefix, target, mask):
        b, lt = target.shape
        suffix = torch.cat([self.decoder.embed_tokens(target), self.slots_for(b)], 1)
        real = torch.cat([mask, torch.ones(b, self.k, dtype=torch.bool, device=mask.device)], 1)
        h, _ = self.run_suffix(prefix, suffix, real)
        return self.posterior_head(h[:, lt:])

    def decode_logits(self, prefix, z, answer_input, answer_mask):
        b = answer_input.shape[0]
        suffix = torch.cat([self.injector(z), self.decoder.embed_tokens(answer_input)], 1)
        real = torch.cat([torch.ones(b, self.k, dtype=torch.bool, device=z.device), answer_mask], 1)
        h, _ = self.run_suffix(prefix, suffix, real)
        return self.decoder.logits(h[:, self.k :])

    def forward_train(self, batch, shared):
        b = batch["question"].shape[0]
        prefix = self.run_prefix(batch, shared)
        prior = self.prior(prefix, b, batch["question"].device)
        post = self.posterior(prefix, batch["target"], batch["target_mask"])
        z = post[0] + post[1].exp() * torch.randn_like(post[0])
        return self.decode_logits(prefix, z, batch["answer_input"], batch["answer_mask"]), prior, post

    def one_pass_logits(self, batch):
        embeds, real = self.prefix_embeds(batch)
        b, la = batch["answer_input"].shape
        ones = torch.ones(b, self.k, dtype=torch.bool, device=real.device)
        seq = torch.cat([embeds, self.decoder.embed_tokens(batch["target"]), self.slots_for(b),
                         self.decoder.embed_tokens(batch["answer_input"])], 1)
        mask = torch.cat([real, batch["target_mask"], ones, batch["answer_mask"]], 1)
        h, _ = self.decoder.forward_embeds(seq, mask, None)
        return self.decoder.logits(h[:, -la:])

    def greedy_fixed(self, prefix, z, answer_start, new_tokens):
        """Exactly new_tokens greedy ids, on the device, KV cache when the prefix is cached."""
        b = z.shape[0]
        dev = z.device
        start = self.decoder.embed_tokens(torch.full((b, 1), answer_start, dtype=torch.long, device=dev))
        suffix = torch.cat([self.injector(z), start], 1)
        ones = lambda n: torch.ones(b, n, dtype=torch.bool, device=dev)
        h, cache = self.run_suffix(prefix, suffix, ones(suffix.shape[1]))
        last = h[:, -1:]
        ids = []
        for t in range(new_tokens):
            nxt = self.decoder.logits(last)[:, 0].argmax(-1, keepdim=True)
            ids.append(nxt)
            if t + 1 == new_tokens:
                break
            e = self.decoder.embed_tokens(nxt)
            if prefix[0] == "cached":
                last, cache = self.decoder.forward_embeds(e, ones(1), cache)
            else:
                suffix = torch.cat([suffix, e], 1)
                h, _ = self.run_suffix(prefix, suffix, ones(suffix.shape[1]))
                last = h[:, -1:]
        return torch.cat(ids, 1)


def masked_ce(logits, targets, mask):
    per = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten(), reduction="none")
    w = mask.flatten().float()
    return (per * w).sum() / w.sum().clamp_min(1.0)


def schedule_values(spec):
    loss = spec["loss"]
    assert loss["objective"] == "amvl" and loss.get("beta") is None and loss.get("gamma") is None, \
        "the reference implements the default amvl schedules"
    step, w = spec["loss_step"], loss["warmup_steps"]
    ramp = lambda start, mx: 0.0 if step < start else (mx if w == 0 else mx * min(1.0, (step - start) / w))
    return ramp(0, loss["beta_max"]), ramp(w, loss["gamma_max"])


# ----------------------------------------------------------------------------- bench


class Bench:
    def __init__(self, spec, device, mode, seed):
        self.spec, self.device, self.mode = spec, torch.device(device), mode
        s = spec["shape"]
        self.shape = s
        torch.manual_seed(seed)
        self.model = Amvl(spec).to(self.device)
        # The synthetic batches have no padding: every sequence at its full length.
        self.model.decoder.full_sequences = True
        if mode == "bf16-pure":
            self.model = self.model.to(torch.bfloat16)
        o = spec["optimizer"]
        fused = self.device.type == "cuda"
        self.optim = torch.optim.AdamW(self.model.parameters(), lr=o["learning_rate"], betas=(o["beta_1"], o["beta_2"]),
                                       eps=o["epsilon"], weight_decay=o["weight_decay"],
                                       **({"fused": True} if fused else {"foreach": True}))
        self.clip = o["grad_clip_norm_per_parameter"]
        self.beta, self.gamma = schedule_values(spec)
        self.autocast = mode == "bf16" or (mode == "compile" and self.device.type == "cuda")
        self.batch = self.synthetic_batch(seed)
        self.steps = {
            "train_shared": lambda: self.amvl_loss(True),
            "train_naive": lambda: self.amvl_loss(False),
            "train_one_pass": self.one_pass_loss,
        }
        if mode == "compile":
            self.steps = {k: torch.compile(v) for k, v in self.steps.items()}

    def synthetic_batch(self, seed):
        s, dev, tok = self.shape, self.device, self.spec["tokens"]
        g = torch.Generator(device="cpu").manual_seed(seed ^ 0xBE7C0001)
        ids = lambda n: torch.randint(tok["first_ordinary"], s["vocab"], (s["batch"], n), generator=g)
        ones = lambda n: torch.ones(s["batch"], n, dtype=torch.bool)
        answer = ids(s["answer_len"])
        question = ids(s["question_len"])
        question[:, 0] = tok["bos"]
        start = torch.full((s["batch"], 1), tok["answer"], dtype=torch.long)
        eos = torch.full((s["batch"], 1), tok["eos"], dtype=torch.long)
        dtype = torch.bfloat16 if self.mode == "bf16-pure" else torch.float32
        batch = {
            "images": torch.randn(s["batch"], s["images_per_sample"], 3, s["image_size"], s["image_size"], generator=g).to(dtype),
            "image_mask": ones(s["images_per_sample"]),
            "question": question, "question_mask": ones(s["question_len"]),
            "target": answer, "target_mask": ones(s["target_len"]),
            "answer_input": torch.cat([start, answer[:, :-1]], 1),
            "answer_target": torch.cat([answer[:, :-1], eos], 1),
            "answer_mask": ones(s["answer_len"]),
        }
        return {k: v.to(dev) for k, v in batch.items()}

    def amvl_loss(self, shared):
        b = self.batch
        logits, (mp, lp), (mq, lq) = self.model.forward_train(b, shared)
        ntp = masked_ce(logits, b["answer_target"], b["answer_mask"])
        mp, lp, mq, lq = mp.float(), lp.float(), mq.float(), lq.float()
        forward = kl(mq.detach(), lq.detach(), mp, lp).sum(1).mean() * self.beta
        reverse = kl(mp.detach(), lp.detach(), mq, lq).sum(1).mean() * self.gamma
        with torch.no_grad():  # the monitoring terms the loss also computes
            _ = kl(mq, lq, mp, lp).sum(1).mean(), kl(mp, lp, mq, lq).sum(1).mean()
        return ntp + forward + reverse

    def one_pass_loss(self):
        b = self.batch
        return masked_ce(self.model.one_pass_logits(b), b["answer_target"], b["answer_mask"])

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def train_step(self, figure):
        t0 = time.perf_counter()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            loss = self.steps[figure]()
        loss.backward()
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        # Burn's GradientClipping::Norm clips each parameter's gradient by its own norm.
        norms = torch._foreach_norm([g.float() for g in grads] if self.mode == "bf16-pure" else grads)
        coefs = [torch.clamp(self.clip / (n + 1e-38), max=1.0).to(g.dtype) for n, g in zip(norms, grads)]
        torch._foreach_mul_(grads, coefs)
        self.optim.step()
        self.optim.zero_grad(set_to_none=True)
        self.sync()
        return time.perf_counter() - t0

    @torch.inference_mode()
    def inference(self, figure):
        m, b = self.model, self.batch
        bsz = b["question"].shape[0]
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            if figure == "prefill":
                self.sync()
                t0 = time.perf_counter()
                prefix = m.run_prefix(b, True)
                m.prior(prefix, bsz, self.device)
                self.sync()
                return time.perf_counter() - t0
            cached = figure == "decode_cached"
            prefix = m.run_prefix(b, cached)
            z, _ = m.prior(prefix, bsz, self.device)
            self.sync()
            t0 = time.perf_counter()
            m.greedy_fixed(prefix, z, self.spec["tokens"]["answer"], self.shape["decode_tokens"])
            self.sync()
            return time.perf_counter() - t0

    def run(self, figure):
        return self.train_step(figure) if figure in TRAINING else self.inference(figure)

    def loss_value(self):
        with torch.no_grad(), torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.autocast):
            return float(self.amvl_loss(True))

    def memory(self):
        out = {"host_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
        if self.device.type == "cuda":
            out["device_allocated_max_bytes"] = torch.cuda.max_memory_allocated(self.device)
            out["device_reserved_max_bytes"] = torch.cuda.max_memory_reserved(self.device)
        return out


def stats(times):
    if not times:
        return None
    s = sorted(times)
    q = lambda p: s[math.floor(p * (len(s) - 1))] + (s[math.ceil(p * (len(s) - 1))] - s[math.floor(p * (len(s) - 1))]) * (p * (len(s) - 1) - math.floor(p * (len(s) - 1)))
    return {"n": len(s), "median_s": q(0.5), "p10_s": q(0.1), "p90_s": q(0.9), "mean_s": sum(s) / len(s),
            "min_s": s[0], "max_s": s[-1]}


def derived(shape, figs):
    med = lambda k: figs.get(k, {}).get("median_s")
    per = lambda n, k: n / med(k) if med(k) else None
    ratio = lambda a, c: med(a) / med(c) if med(a) and med(c) else None
    b = shape["batch"]
    return {
        "samples_per_s": per(b, "train_shared"),
        "decoder_tokens_per_s": per(b * shape["full_len"], "train_shared"),
        "samples_per_s_naive": per(b, "train_naive"),
        "decode_tokens_per_s_cached": per(b * shape["decode_tokens"], "decode_cached"),
        "decode_tokens_per_s_recompute": per(b * shape["decode_tokens"], "decode_recompute"),
        "shared_over_one_pass": ratio("train_shared", "train_one_pass"),
        "naive_over_one_pass": ratio("train_naive", "train_one_pass"),
        "kv_cache_speedup": ratio("decode_recompute", "decode_cached"),
    }


def machine(threads):
    cpu = None
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except Exception:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "threads": threads, "os": platform.system().lower(),
            "arch": platform.machine()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def commit():
    try:
        root = Path(__file__).resolve().parent.parent
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except Exception:
        return None


def hello(args, bench):
    return {
        "ready": True, "implementation": "pytorch", "torch_version": torch.__version__,
        "device": args.device, "mode": args.mode, "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "parameters": sum(p.numel() for p in bench.model.parameters()),
    }


def serve(args, bench):
    print(json.dumps(hello(args, bench)), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        if req["cmd"] == "finish":
            loss = bench.loss_value()
            print(json.dumps({"final": True, "memory": bench.memory(), "loss_after_bench": loss}), flush=True)
            return
        try:
            times = [bench.run(req["figure"]) for _ in range(req["runs"])]
            print(json.dumps({"figure": req["figure"], "times_s": times}), flush=True)
        except Exception as e:  # reported to the Rust side, which stops
            print(json.dumps({"figure": req.get("figure"), "error": repr(e)}), flush=True)
            raise


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--spec", type=Path, help="spec JSON written by `cargo xtask bench --write-spec`")
    src.add_argument("--config", choices=["tiny", "small", "base"], help="use bench/specs/NAME.json")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--mode", choices=["fp32", "bf16", "bf16-pure", "compile"], default="fp32")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--figures", default=",".join(FIGURES))
    p.add_argument("--json", type=Path)
    p.add_argument("--serve", action="store_true", help="answer requests on stdin (for --compare)")
    args = p.parse_args()
    spec_path = args.spec or Path(__file__).resolve().parent / "specs" / f"{args.config}.json"
    spec = json.loads(spec_path.read_text())
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.device == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    bench = Bench(spec, args.device, args.mode, args.seed)
    if args.serve:
        serve(args, bench)
        return
    figures = {}
    for f in [f.strip() for f in args.figures.split(",") if f.strip()]:
        assert f in FIGURES, f"unknown figure {f}"
        warm = [bench.run(f) for _ in range(args.warmup)]
        times = [bench.run(f) for _ in range(args.steps)]
        figures[f] = dict(stats(times), warmup_s=warm, times_s=times)
    shape = spec["shape"]
    loss = bench.loss_value()
    record = {
        "implementation": "pytorch", "torch_version": torch.__version__, "config": shape["name"],
        "device": args.device, "mode": args.mode, "steps": args.steps, "warmup": args.warmup, "seed": args.seed,
        "shape": shape, "figures": figures, "derived": derived(shape, figures), "memory": bench.memory(),
        "loss_after_bench": loss, "loss_finite": math.isfinite(loss), "machine": machine(torch.get_num_threads()),
        "commit": commit(), "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    d, fm = record["derived"], lambda k: f"{figures[k]['median_s'] * 1e3:.1f} ms" if k in figures else "–"
    x = lambda v: f"{v:.2f}×" if v else "–"
    print(f"pytorch {shape['name']} b={shape['batch']} on {args.device} {args.mode}: step {fm('train_shared')}, "
          f"naive {fm('train_naive')}, one pass {fm('train_one_pass')}, shared/one-pass {x(d['shared_over_one_pass'])}, "
          f"prefill {fm('prefill')}, kv-cache speedup {x(d['kv_cache_speedup'])}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
