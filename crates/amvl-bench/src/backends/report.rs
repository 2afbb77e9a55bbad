//! The comparison's verdict per device and tensor group, as a table and as JSON.

use burn::tensor::FloatDType;
use serde::Serialize;

use super::capture::Capture;
use super::errors::{Agreement, by_group, curve};
use amvl_train::config::RunConfig;

/// Relative tolerances (max |a − b| / max |reference| per group).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Tolerances {
    pub outputs: f64,
    pub grads: f64,
    pub losses: f64,
}

impl Tolerances {
    /// f32 against f32.
    pub fn f32() -> Self {
        Self {
            outputs: 1e-4,
            grads: 1e-3,
            losses: 1e-3,
        }
    }

    /// `float` on the compared device against the f32 reference: f16 keeps 11 significant bits,
    /// bf16 only 8 (measured on lavapipe, f16: outputs 1.5e-3, gradients 2.1e-3 relative).
    pub fn for_dtype(float: FloatDType) -> Self {
        match float {
            FloatDType::F16 => Self {
                outputs: 1e-2,
                grads: 2e-2,
                losses: 1e-2,
            },
            FloatDType::BF16 => Self {
                outputs: 5e-2,
                grads: 1e-1,
                losses: 5e-2,
            },
            _ => Self::f32(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupReport {
    pub group: String,
    pub max_abs: f64,
    pub max_rel: f64,
    pub tolerance: f64,
    pub ok: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DeviceReport {
    pub device: String,
    /// `compared`, `not compiled` or `unavailable`.
    pub status: String,
    pub reason: Option<String>,
    pub groups: Vec<GroupReport>,
    /// Median training-step time, seconds.
    pub step_seconds: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BackendReport {
    pub config: RunConfig,
    pub steps: usize,
    pub float: String,
    pub reference_step_seconds: f64,
    pub devices: Vec<DeviceReport>,
}

pub fn median(values: &[f64]) -> f64 {
    // The first two steps include kernel compilation and autotuning.
    let skip = if values.len() > 4 { 2 } else { 0 };
    let mut v: Vec<f64> = values[skip..].to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn group(name: &str, a: Agreement, tolerance: f64) -> GroupReport {
    GroupReport {
        group: name.to_string(),
        max_abs: a.max_abs,
        max_rel: a.max_rel,
        tolerance,
        ok: a.max_rel <= tolerance,
    }
}

impl DeviceReport {
    pub fn compared(name: &str, got: &Capture, reference: &Capture, tol: &Tolerances) -> Self {
        let mut groups = Vec::new();
        for (g, a) in by_group(&got.outputs, &reference.outputs) {
            groups.push(group(&g, a, tol.outputs));
        }
        for (g, a) in by_group(&got.grads, &reference.grads) {
            groups.push(group(&g, a, tol.grads));
        }
        if !got.losses.is_empty() {
            groups.push(group(
                &format!("loss, {} steps", got.losses.len()),
                curve(&got.losses, &reference.losses),
                tol.losses,
            ));
        }
        DeviceReport {
            device: name.to_string(),
            status: "compared".into(),
            reason: None,
            groups,
            step_seconds: (!got.step_seconds.is_empty()).then(|| median(&got.step_seconds)),
        }
    }

    pub fn missing(name: &str, status: &str, reason: String) -> Self {
        DeviceReport {
            device: name.to_string(),
            status: status.to_string(),
            reason: Some(reason),
            groups: Vec::new(),
            step_seconds: None,
        }
    }

    pub fn passed(&self) -> bool {
        self.status == "compared" && self.groups.iter().all(|g| g.ok)
    }
}

impl BackendReport {
    /// Every compared device within tolerance (devices that were not there do not pass or fail).
    pub fn all_within_tolerance(&self) -> bool {
        self.devices
            .iter()
            .filter(|d| d.status == "compared")
            .all(DeviceReport::passed)
    }

    pub fn table(&self) -> String {
        let mut out = if self.reference_step_seconds.is_finite() {
            format!(
                "reference: flex f32, median step {:.1} ms; compared in {}\n\n",
                self.reference_step_seconds * 1e3,
                self.float
            )
        } else {
            format!("reference: flex f32; compared in {}\n\n", self.float)
        };
        out.push_str(&format!(
            "{:<10} {:<24} {:>10} {:>10} {:>8}  {}\n",
            "device", "group", "max abs", "max rel", "tol", "verdict"
        ));
        for d in &self.devices {
            if d.status != "compared" {
                out.push_str(&format!(
                    "{:<10} {}: {}\n",
                    d.device,
                    d.status.to_uppercase(),
                    d.reason.as_deref().unwrap_or("")
                ));
                continue;
            }
            for g in &d.groups {
                out.push_str(&format!(
                    "{:<10} {:<24} {:>10.2e} {:>10.2e} {:>8.0e}  {}\n",
                    d.device,
                    g.group,
                    g.max_abs,
                    g.max_rel,
                    g.tolerance,
                    if g.ok { "ok" } else { "FAIL" }
                ));
            }
            let Some(step_seconds) = d.step_seconds else {
                out.push_str(&format!(
                    "{:<10} {:<24} not trained in {}\n",
                    d.device, "optimizer steps", self.float
                ));
                continue;
            };
            out.push_str(&format!(
                "{:<10} {:<24} {:>10.1} ms (flex {:.1} ms)\n",
                d.device,
                "median step time",
                step_seconds * 1e3,
                self.reference_step_seconds * 1e3
            ));
        }
        out
    }
}
