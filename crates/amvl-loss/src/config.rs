use serde::{Deserialize, Serialize};

use crate::free_bits::FreeBits;
use crate::ntp::NtpReduction;
use crate::objective::Objective;
use crate::schedule::Schedule;

/// Which objective, and how its KL weights move. β weights the forward term, γ the reverse
/// (for `dreamer`: the dynamics and representation terms). Unset schedules take the objective's
/// defaults, built from `warmup_steps`, `beta_max` and `gamma_max`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LossConfig {
    pub objective: Objective,
    /// Length of one warm-up ramp in optimizer steps.
    pub warmup_steps: u64,
    pub beta_max: f64,
    /// γ comes in later and smaller than β.
    pub gamma_max: f64,
    pub beta: Option<Schedule>,
    pub gamma: Option<Schedule>,
    pub free_bits: FreeBits,
    /// DreamerV3's weights and free nats.
    pub dreamer_dyn: f64,
    pub dreamer_rep: f64,
    pub dreamer_free_nats: f64,
    /// NTP per token (default) or per sequence.
    pub ntp_reduction: NtpReduction,
}

impl Default for LossConfig {
    fn default() -> Self {
        Self {
            objective: Objective::Amvl,
            warmup_steps: 200,
            beta_max: 1.0,
            gamma_max: 0.1,
            beta: None,
            gamma: None,
            free_bits: FreeBits::None,
            dreamer_dyn: 0.5,
            dreamer_rep: 0.1,
            dreamer_free_nats: 1.0,
            ntp_reduction: NtpReduction::Token,
        }
    }
}

impl LossConfig {
    pub fn with_objective(mut self, objective: Objective) -> Self {
        self.objective = objective;
        self
    }

    fn ramp(&self, start: u64, max: f64) -> Schedule {
        Schedule::Linear {
            start,
            warmup: self.warmup_steps,
            max,
        }
    }

    /// The β schedule in force (explicit, or the objective's default).
    pub fn beta_schedule(&self) -> Schedule {
        if let Some(s) = &self.beta {
            return s.clone();
        }
        let w = self.warmup_steps;
        match self.objective {
            Objective::Amvl | Objective::Fwd | Objective::Elbo => self.ramp(0, self.beta_max),
            Objective::AmvlReverseFirst => self.ramp(w, self.beta_max),
            Objective::Dreamer => Schedule::Constant {
                value: self.dreamer_dyn,
            },
            Objective::Rev | Objective::NtpOnly | Objective::NoLatent | Objective::PriorNtp | Objective::Pause => {
                Schedule::zero()
            }
        }
    }

    /// The γ schedule in force (explicit, or the objective's default).
    pub fn gamma_schedule(&self) -> Schedule {
        if let Some(s) = &self.gamma {
            return s.clone();
        }
        let w = self.warmup_steps;
        match self.objective {
            Objective::Amvl => self.ramp(w, self.gamma_max),
            Objective::AmvlReverseFirst | Objective::Rev => self.ramp(0, self.gamma_max),
            Objective::Dreamer => Schedule::Constant {
                value: self.dreamer_rep,
            },
            Objective::Fwd
            | Objective::Elbo
            | Objective::NtpOnly
            | Objective::NoLatent
            | Objective::PriorNtp
            | Objective::Pause => Schedule::zero(),
        }
    }

    /// Free bits in force: `dreamer` uses its own free nats per term unless set explicitly.
    pub fn free_bits_in_force(&self) -> FreeBits {
        match (self.objective, self.free_bits) {
            (Objective::Dreamer, FreeBits::None) => FreeBits::Total {
                nats: self.dreamer_free_nats,
            },
            (_, fb) => fb,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        self.beta_schedule().validate("beta")?;
        self.gamma_schedule().validate("gamma")?;
        for (name, v) in [("beta_max", self.beta_max), ("gamma_max", self.gamma_max)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("loss.{name} must be finite and non-negative, got {v}"));
            }
        }
        Ok(())
    }
}
