"""Uniform-noise discrete diffusion in the UDLM formulation (Schiff et al. 2024, arXiv 2412.10193).

Why UDLM rather than SEDD's uniform graph: UDLM's bound needs only the denoiser's
distribution over clean tokens, the same network output as the masked objective, so both
diffusion objectives share the backbone, the rows and the sampler's structure; SEDD's score
entropy would need a separate ratio-valued head and its own analytic sampler.

Forward process: each answer-region token is replaced by a uniformly random token of the
answer alphabet (task tokens, eos and padding; never seed characters, dummy or mask) with probability t (alpha_t = 1 - t), t ~ U[eps, 1 - eps]. Loss: the continuous-time NELBO,
per position (i = the noisy token z_t, N = answer-alphabet size)

    (alpha'_t / (N alpha_t)) [ N / xbar_i - N / xbar_theta_i
                               - sum_j (xbar_j / xbar_i) log((xbar_theta_i xbar_j) / (xbar_theta_j xbar_i)) ],
    xbar = N alpha_t x + (1 - alpha_t),  xbar_theta = N alpha_t x_theta + (1 - alpha_t),

summed over the region and divided by its size. Sampler: start from uniformly random tokens,
step from t = 1 to 0 over S steps drawing from the exact posterior q(z_s | z_t, x_theta) in
float64. Greedy mode is deterministic: at each step the most confident argmax predictions are
committed to a growing share (alpha_s) of the positions.
"""

from __future__ import annotations

import torch

from creativity_bench.models.objectives.base import register_objective
from creativity_bench.models.objectives.diffusion import (
    EPS,
    DiffusionParams,
    MaskedDiffusion,
    diffusion_times,
    keyed_uniforms,
    noised_positions,
    region_rows,
)


def udlm_loss(log_probs: torch.Tensor, x0: torch.Tensor, zt: torch.Tensor, region: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The UDLM NELBO per region token for the linear schedule alpha_t = 1 - t.

    The bound of the module docstring with the clean token one-hot (x = e_c) summed out in closed
    form: xbar_j is 1 - alpha off c and 1 - alpha + N alpha at c, so sum_j xbar_j = N and

        sum_j xbar_j log(xbar_j / xbar_theta_j)
            = (N - 1)(1 - alpha) log(1 - alpha) + (1 - alpha + N alpha) log(1 - alpha + N alpha)
              - (1 - alpha) sum_j log xbar_theta_j - N alpha log xbar_theta_c.

    Only ``sum_j log xbar_theta_j`` runs over the alphabet; everything else is one number per
    position, in float64 (the terms cancel when alpha is near 1).
    """
    n = log_probs.shape[-1]
    alpha = (1.0 - t)[:, None].double()  # (B, 1)
    off = 1.0 - alpha  # xbar and xbar_theta off the clean token, before the model's share
    lp = log_probs.double()
    sum_log_theta = torch.log(n * alpha[..., None] * lp.exp() + off[..., None]).sum(-1)  # (B, T)
    log_theta_c = torch.log(n * alpha * lp.gather(-1, x0[..., None]).squeeze(-1).exp() + off)
    theta_i = n * alpha * lp.gather(-1, zt[..., None]).squeeze(-1).exp() + off
    on = off + n * alpha
    x_i = torch.where(zt == x0, on, off)
    entropy = (n - 1) * off * torch.log(off) + on * torch.log(on)
    cross = off * sum_log_theta + n * alpha * log_theta_c
    term1 = n / x_i - n / theta_i
    term2 = (n * (torch.log(theta_i) - torch.log(x_i)) + entropy - cross) / x_i
    per_pos = (-1.0 / (n * alpha)) * (term1 - term2)  # alpha'_t = -1
    return (per_pos * region).sum().float() / region.sum().clamp(min=1)


def answer_alphabet(vocab) -> torch.Tensor:
    """Vocabulary ids an answer region may hold: everything but seed characters, dummy and mask."""
    from creativity_bench.models.tokenizer import DUMMY, MASK
    from creativity_bench.seeding import SEED_ALPHABET

    banned = set(SEED_ALPHABET) | {DUMMY, MASK}
    return torch.tensor([i for i, tok in enumerate(vocab.tokens) if tok not in banned], dtype=torch.long)


def alphabet_tables(vocab) -> dict[str, torch.Tensor]:
    """The answer alphabet and each vocabulary id's position in it (0 outside), on the host."""
    alphabet = answer_alphabet(vocab)
    position = torch.zeros(int(alphabet.max()) + 1, dtype=torch.long)
    position[alphabet] = torch.arange(alphabet.numel())
    return {"alphabet": alphabet, "position": position}


class UniformDiffusion(MaskedDiffusion):
    name = "diffusion-uniform"
    description = "Uniform-noise discrete diffusion, UDLM's continuous-time bound."
    params_class = DiffusionParams

    def build_rows(self, enc, instance, vocab):
        # The alphabet tables travel with the rows; the trainer puts them on its device once.
        return region_rows(enc, instance, vocab, alphabet_tables(vocab))

    def loss(self, model, extra, batch, noise, context):
        x0, region = batch["ids"], batch["region"]
        alphabet, position = context["alphabet"], context["position"]
        n = alphabet.numel()
        t = diffusion_times(noise, EPS, 1.0 - EPS)
        moved = noised_positions(noise, region, t)
        zt = torch.where(moved, alphabet[noise.integers("token", n, x0.shape[1])], x0)
        log_probs = torch.log_softmax(model(zt).float()[..., alphabet], -1)
        # Outside the region the indices do not matter (masked out); the clamp keeps them in range.
        x0_a = position[x0.clamp(max=position.numel() - 1)] * region
        zt_a = position[zt.clamp(max=position.numel() - 1)] * region
        return udlm_loss(log_probs, x0_a, zt_a, region, t)

    @torch.no_grad()
    def sample(self, model, extra, prompts, prompt_ids, max_new, settings, vocab):
        from creativity_bench.models.sampling import categorical, filter_logits

        tables = alphabet_tables(vocab)
        alphabet, position = tables["alphabet"].to(prompts.device), tables["position"].to(prompts.device)
        n = alphabet.numel()
        b, p = prompts.shape
        steps = self.steps_for(settings, max_new)
        start = (keyed_uniforms(settings.seed, "prior", prompt_ids, max_new) * n).long().clamp_(max=n - 1)
        x = torch.cat([prompts, alphabet[start]], dim=1)
        for s in range(steps):
            t, t_next = 1.0 - s / steps, 1.0 - (s + 1) / steps
            logits = model(x)[:, p:].double()[..., alphabet]
            probs = torch.softmax(filter_logits(logits, settings) if settings.mode != "greedy" else logits, -1)
            if t_next <= 0:
                post = probs
            else:
                alpha_s, alpha_t = 1.0 - t_next, max(1.0 - t, 1e-12)
                alpha_ts = alpha_t / alpha_s
                zt = torch.nn.functional.one_hot(position[x[:, p:]], n).double()
                post = (alpha_ts * zt + (1 - alpha_ts) / n) * (alpha_s * probs + (1 - alpha_s) / n)
            if settings.mode == "greedy":
                # Argmax of the posterior would freeze the first (noise-conditioned) guess, since
                # q(z_s | z_t) favours staying put; instead commit the most confident denoiser
                # predictions to a share alpha_s of the positions and keep the rest as they are.
                conf, best = probs.max(-1)
                commit = max_new if t_next <= 0 else round(max_new * (1.0 - t_next))
                new = position[x[:, p:]].clone()
                if commit:
                    top = conf.topk(commit, dim=-1).indices
                    new.scatter_(1, top, best.gather(1, top))
            else:
                u = keyed_uniforms(settings.seed, ("step", s), prompt_ids, max_new).reshape(-1)
                new = categorical(post.reshape(b * max_new, -1), u).reshape(b, max_new)
            x[:, p:] = alphabet[new]
        return x[:, p:]


register_objective(UniformDiffusion)
