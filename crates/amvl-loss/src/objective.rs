use amvl_latent::LatentPath;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Every training objective the experiments compare.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// NTP + β·KL(sg q‖p) + γ·KL(sg p‖q), β ramping first (the paper's default).
    #[default]
    Amvl,
    /// The same three terms with γ ramping first.
    AmvlReverseFirst,
    /// NTP with z ~ q and no KL at all.
    NtpOnly,
    /// NTP + β·KL(sg q‖p).
    Fwd,
    /// NTP + γ·KL(sg p‖q).
    Rev,
    /// NTP + β·KL(q‖p), gradients to both sides (a β-VAE ELBO).
    Elbo,
    /// DreamerV3 balancing: NTP + 0.5·KL(sg q‖p) + 0.1·KL(q‖sg p), with free nats.
    Dreamer,
    /// No latent block at all.
    NoLatent,
    /// z = μ of the prior, trained end to end by NTP; no posterior, no KL.
    PriorNtp,
    /// Pause tokens: the slots' learned embeddings in the sequence, no z at all.
    Pause,
}

impl Objective {
    pub const ALL: [Objective; 10] = [
        Objective::Amvl,
        Objective::AmvlReverseFirst,
        Objective::NtpOnly,
        Objective::Fwd,
        Objective::Rev,
        Objective::Elbo,
        Objective::Dreamer,
        Objective::NoLatent,
        Objective::PriorNtp,
        Objective::Pause,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Objective::Amvl => "amvl",
            Objective::AmvlReverseFirst => "amvl_reverse_first",
            Objective::NtpOnly => "ntp_only",
            Objective::Fwd => "fwd",
            Objective::Rev => "rev",
            Objective::Elbo => "elbo",
            Objective::Dreamer => "dreamer",
            Objective::NoLatent => "no_latent",
            Objective::PriorNtp => "prior_ntp",
            Objective::Pause => "pause",
        }
    }

    /// Whether the model builds and runs the latent block.
    pub fn uses_latent(&self) -> bool {
        *self != Objective::NoLatent
    }

    /// What fills the slots of the training decode.
    pub fn latent_path(&self) -> LatentPath {
        match self {
            Objective::PriorNtp => LatentPath::PriorMean,
            Objective::Pause => LatentPath::Slots,
            _ => LatentPath::Posterior,
        }
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown objective `{0}`; expected one of: amvl, amvl_reverse_first, ntp_only, fwd, rev, elbo, dreamer, no_latent, prior_ntp, pause"
)]
pub struct UnknownObjective(pub String);

impl FromStr for Objective {
    type Err = UnknownObjective;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().replace('-', "_").to_ascii_lowercase();
        Objective::ALL
            .into_iter()
            .find(|o| o.name() == wanted)
            .ok_or_else(|| UnknownObjective(s.to_string()))
    }
}
