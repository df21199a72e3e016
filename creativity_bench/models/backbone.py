"""One small GPT-style Transformer: pre-norm, SDPA attention, causal or bidirectional.

Sizes come from one dial (``depth``): width = depth * aspect, heads = width / head_dim, as in
nanochat. ``paper`` is GPT-2-small-shaped (12 layers, 768 wide, 12 heads).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from creativity_bench.models.presets import INITS, MODEL_PRESETS  # noqa: E402,F401  (torch-free: config resolves without torch)


@dataclass(frozen=True)
class ModelConfig:
    """Backbone shape. ``vocab_size`` and ``block_size`` come from the task instance."""

    vocab_size: int
    block_size: int
    n_layer: int = 4
    n_embd: int = 256
    n_head: int = 4
    dropout: float = 0.0
    causal: bool = True
    # The recipe: "small" initialises every weight N(0, 0.02) (GPT-2's scheme); "torch" keeps
    # PyTorch's defaults (embeddings N(0, 1), linear layers uniform). ``bias`` gives the linear
    # layers biases; ``tie_output`` shares the output layer with the token embedding.
    init: str = "small"
    bias: bool = False
    tie_output: bool = True

    def __post_init__(self) -> None:
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")

    @classmethod
    def from_depth(cls, depth: int, vocab_size: int, block_size: int, aspect: int = 64, head_dim: int = 64, **kw) -> ModelConfig:
        """The size dial: every dimension derived from ``depth``."""
        width = depth * aspect
        return cls(vocab_size, block_size, n_layer=depth, n_embd=width, n_head=max(1, width // head_dim), **kw)

    def to_dict(self) -> dict:
        return asdict(self)




class KVCache:
    """Keys and values of every layer for left-to-right decoding, preallocated.

    Left uninitialised: attention only ever reads positions before ``pos``, which are written
    first, so zero-filling (two writes of the whole buffer) would be wasted work.
    """

    def __init__(self, n_layer: int, batch: int, n_head: int, length: int, head_dim: int, device, dtype) -> None:
        shape = (n_layer, batch, n_head, length, head_dim)
        self.k = torch.empty(shape, device=device, dtype=dtype)
        self.v = torch.empty(shape, device=device, dtype=dtype)
        self.pos = 0


class SelfAttention(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        if cfg.n_embd % cfg.n_head:
            raise ValueError("n_embd must be divisible by n_head")
        self.n_head = cfg.n_head
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.dropout = cfg.dropout
        self.causal = cfg.causal

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        if cache is None:
            y = F.scaled_dot_product_attention(
                q, k, v, is_causal=self.causal, dropout_p=self.dropout if self.training else 0.0
            )
        else:
            start = cache.pos
            cache.k[layer, :, :, start : start + t] = k
            cache.v[layer, :, :, start : start + t] = v
            keys, values = cache.k[layer, :, :, : start + t], cache.v[layer, :, :, : start + t]
            if start == 0:  # the prompt: plain (causal) attention over itself, the fast kernel
                y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
            elif t == 1:
                y = F.scaled_dot_product_attention(q, keys, values)  # one new query sees everything so far
            else:
                mask = torch.ones(t, start + t, dtype=torch.bool, device=x.device).tril(diagonal=start)
                y = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask)
        return self.proj(y.transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.n_embd)
        self.attn = SelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        )
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, cache: KVCache | None = None, layer: int = 0) -> torch.Tensor:
        x = x + self.drop(self.attn(self.ln1(x), cache, layer))
        return x + self.drop(self.mlp(self.ln2(x)))


class GPT(nn.Module):
    """Token + learned position embeddings, pre-norm blocks, final norm, tied output layer."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd)
        # An untied output layer is a plain linear map (no bias: logits are shift-invariant).
        self.lm_head = None if cfg.tie_output else nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        if cfg.init == "small":
            self.apply(self._init)
            for name, p in self.named_parameters():
                if name.endswith("proj.weight") or name.endswith("mlp.2.weight"):
                    nn.init.normal_(p, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
            if getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)

    def hidden(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Final hidden states (B, T, C) after the last norm."""
        return self.ln_f(self.trunk(idx, cache))

    def trunk(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Hidden states (B, T, C) after the last block, before the final norm."""
        compiled = self.__dict__.get("_compiled_trunk")
        if compiled is not None and cache is None:
            return compiled(idx)
        return self._trunk(idx, cache)

    def _trunk(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        start = cache.pos if cache is not None else 0
        t = idx.shape[1]
        if start + t > self.cfg.block_size:
            raise ValueError(f"sequence of {start + t} tokens exceeds block size {self.cfg.block_size}")
        pos = torch.arange(start, start + t, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.pos += t
        return x

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """The output layer, in float32 even under bf16 autocast (sampling reads these)."""
        weight = self.wte.weight if self.lm_head is None else self.lm_head.weight
        with torch.autocast(h.device.type, enabled=False):
            return h.float() @ weight.float().t()

    def forward(self, idx: torch.Tensor, cache: KVCache | None = None) -> torch.Tensor:
        """Logits (B, T, V)."""
        return self.logits(self.hidden(idx, cache))

    def compile_trunk(self) -> None:
        """Run the trunk of cache-free passes (training) through torch.compile.

        The compiled function is kept out of the module tree, so state dicts hold the same keys
        compiled or not; decoding with a KV cache stays eager (its shapes change every step).
        """
        torch._dynamo.reset()  # a fresh compile per run: runs in one process never hit the recompile limit
        object.__setattr__(self, "_compiled_trunk", torch.compile(self._trunk))

    def new_cache(self, batch: int, length: int | None = None) -> KVCache:
        p = next(self.parameters())
        c = self.cfg
        # Under autocast the keys and values come out of the projections in the autocast dtype
        # (bf16 on GPU): store them so, rather than converting the whole prefix at every step.
        dtype = torch.get_autocast_dtype(p.device.type) if torch.is_autocast_enabled(p.device.type) else p.dtype
        return KVCache(c.n_layer, batch, c.n_head, length or c.block_size, c.n_embd // c.n_head, p.device, dtype)

    def num_params(self, non_embedding: bool = False) -> int:
        """Parameter count; ``non_embedding`` leaves out token and position embeddings."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.wte.weight.numel() + self.wpe.weight.numel()
            n -= self.lm_head.weight.numel() if self.lm_head is not None else 0
        return n
