//! The AMVL objective. Usable on its own with [`DiagGaussian`]s from any model:
//!
//! `L = NTP(y | x, z~q) + β·KL(sg[q] ‖ p) + γ·KL(sg[p] ‖ q)`
//!
//! plus the ablations the paper compares ([`Objective`]), β/γ [`Schedule`]s and [`FreeBits`].

mod config;
mod diagnostics;
mod free_bits;
mod grad_norm;
mod kl_terms;
mod loss;
mod ntp;
mod objective;
mod schedule;

pub use amvl_latent::DiagGaussian;
pub use config::LossConfig;
pub use diagnostics::{GaussianRows, LatentDiagnostics};
pub use free_bits::FreeBits;
pub use grad_norm::grad_norm;
pub use kl_terms::{forward_kl, reverse_kl};
pub use loss::{AmvlLoss, LossTerms};
pub use ntp::{NtpReduction, masked_cross_entropy, reduced_cross_entropy};
pub use objective::{Objective, UnknownObjective};
pub use schedule::Schedule;
