//! Runs a causal LM on its stored reference inputs: full-sequence outputs and greedy decoding.

use std::fmt;
use std::path::{Path, PathBuf};

use amvl_core::LanguageModel;
use burn::prelude::*;

use crate::HfError;
use crate::compare::{OutputError, all_within, max_abs_diff, worst_error};
use crate::decoder::{DecoderArch, greedy_decode, load_decoder};
use crate::safetensors_io::Checkpoint;
use crate::vision::REFERENCE_FILE;

/// Greedy continuation of the reference prompt, ours against transformers'.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GreedyCheck {
    /// Tokens of the prompt (the first `prompt_len` of both sequences).
    pub prompt_len: usize,
    /// transformers' `greedy_output`: prompt + continuation.
    pub expected: Vec<i64>,
    /// Ours, decoded through the KV cache: prompt + as many tokens.
    pub generated: Vec<i64>,
}

impl GreedyCheck {
    /// Whether every token agrees.
    pub fn matches(&self) -> bool {
        self.expected == self.generated
    }

    /// Index (into the whole sequence) of the first token that differs.
    pub fn first_mismatch(&self) -> Option<usize> {
        self.expected
            .iter()
            .zip(&self.generated)
            .position(|(a, b)| a != b)
            .or((self.expected.len() != self.generated.len()).then(|| self.expected.len().min(self.generated.len())))
    }
}

/// What [`check_decoder`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct DecoderCheckReport {
    pub dir: PathBuf,
    pub architecture: DecoderArch,
    /// `logits` then `last_hidden_state`.
    pub outputs: Vec<OutputError>,
    pub greedy: GreedyCheck,
}

impl DecoderCheckReport {
    /// The largest error over all outputs (NaN if any is NaN).
    pub fn max_abs_error(&self) -> f32 {
        worst_error(&self.outputs)
    }

    /// Whether every output is within `tolerance` and the greedy continuation matches exactly.
    pub fn passes(&self, tolerance: f32) -> bool {
        all_within(&self.outputs, tolerance) && self.greedy.matches()
    }
}

impl fmt::Display for DecoderCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({})", self.dir.display(), self.architecture.hf_name())?;
        for o in &self.outputs {
            writeln!(
                f,
                "  {:<18} {:?}  max abs error {:.3e}",
                o.name, o.shape, o.max_abs_error
            )?;
        }
        let g = &self.greedy;
        let new = g.expected.len().saturating_sub(g.prompt_len);
        match g.first_mismatch() {
            None => writeln!(
                f,
                "  greedy (KV cache)  {new} tokens after a {}-token prompt: identical",
                g.prompt_len
            ),
            Some(i) => writeln!(
                f,
                "  greedy (KV cache)  differs at position {i}: expected {:?}, generated {:?}",
                &g.expected[g.prompt_len.min(g.expected.len())..],
                &g.generated[g.prompt_len.min(g.generated.len())..]
            ),
        }
    }
}

/// Loads the causal LM in `dir` and runs `dir/reference.safetensors` through it:
///
/// - `input_ids` [batch, seq] (integers) through the whole model at once, compared with
///   `logits` [batch, seq, vocab] and `last_hidden_state` [batch, seq, hidden] (after the final
///   norm);
/// - `greedy_prompt` [1, p] continued greedily one token at a time through the KV cache to the
///   length of `greedy_output` [1, p + n], compared token by token.
pub fn check_decoder(dir: &Path, device: &Device) -> Result<DecoderCheckReport, HfError> {
    let loaded = load_decoder(dir, device)?;
    let model = &loaded.model;
    let reference_path = dir.join(REFERENCE_FILE);
    let bad = |message: String| HfError::Reference {
        path: reference_path.clone(),
        message,
    };
    let mut reference = Checkpoint::read_file(&reference_path)?;
    let ids: Tensor<2, Int> = reference.take_int("input_ids", device)?;
    let expected_logits: Tensor<3> = reference.take_any("logits", device)?;
    let expected_hidden: Tensor<3> = reference.take_any("last_hidden_state", device)?;
    let prompt: Tensor<2, Int> = reference.take_int("greedy_prompt", device)?;
    let expected_greedy: Tensor<2, Int> = reference.take_int("greedy_output", device)?;

    let [batch, seq] = ids.dims();
    let real = Tensor::<2, Bool>::full([batch, seq], true, device);
    let (hidden, _) = model.forward_embeds(model.embed_tokens(ids), real, None);
    let logits = model.logits(hidden.clone());
    let mut outputs = Vec::new();
    for (name, ours, expected) in [
        ("logits", logits, expected_logits),
        ("last_hidden_state", hidden, expected_hidden),
    ] {
        if ours.dims() != expected.dims() {
            return Err(bad(format!(
                "model gives `{name}` {:?} but the reference has {:?}",
                ours.dims(),
                expected.dims()
            )));
        }
        outputs.push(OutputError {
            name,
            shape: ours.dims().to_vec(),
            max_abs_error: max_abs_diff(&ours, &expected),
        });
    }

    let [prompt_batch, prompt_len] = prompt.dims();
    let [greedy_batch, total] = expected_greedy.dims();
    if prompt_batch != greedy_batch || total < prompt_len || prompt_len == 0 {
        return Err(bad(format!(
            "`greedy_prompt` {:?} does not start `greedy_output` {:?}",
            prompt.dims(),
            expected_greedy.dims()
        )));
    }
    let generated = greedy_decode(model, prompt, total - prompt_len);
    let greedy = GreedyCheck {
        prompt_len,
        expected: int_values(expected_greedy),
        generated: int_values(generated),
    };
    Ok(DecoderCheckReport {
        dir: dir.to_path_buf(),
        architecture: loaded.architecture,
        outputs,
        greedy,
    })
}

/// Row-major values of an integer tensor.
fn int_values(t: Tensor<2, Int>) -> Vec<i64> {
    t.into_data().iter::<i64>().collect()
}
