//! Agreement between a device's tensors and the reference's.

use serde::Serialize;

use super::capture::Named;

/// Max absolute error, and the relative error: max |a − b| / max |b| over the group (the
/// reference's largest magnitude), so tiny entries do not blow the ratio up.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Agreement {
    pub max_abs: f64,
    pub max_rel: f64,
    /// Largest |value| of the reference in the group.
    pub scale: f64,
}

impl Agreement {
    pub fn of(values: &[f32], reference: &[f32]) -> Agreement {
        let mut max_abs = 0f64;
        let mut scale = 0f64;
        for (a, b) in values.iter().zip(reference) {
            let (a, b) = (*a as f64, *b as f64);
            let d = if a.is_finite() && b.is_finite() {
                (a - b).abs()
            } else {
                f64::INFINITY
            };
            max_abs = max_abs.max(d);
            scale = scale.max(b.abs());
        }
        if values.len() != reference.len() {
            max_abs = f64::INFINITY;
        }
        Agreement {
            max_abs,
            max_rel: max_abs / scale.max(1e-12),
            scale,
        }
    }

    /// Combines two groups' agreements (the worst of each, relative to the larger scale).
    pub fn merge(self, other: Agreement) -> Agreement {
        let scale = self.scale.max(other.scale);
        let max_abs = self.max_abs.max(other.max_abs);
        Agreement {
            max_abs,
            max_rel: (self.max_rel * self.scale.max(1e-12)).max(other.max_rel * other.scale.max(1e-12))
                / scale.max(1e-12),
            scale,
        }
    }
}

/// One group's agreement, in the order the groups first appear. A tensor the reference has and
/// `values` lacks (or the other way round) makes its group disagree (infinite error).
pub fn by_group(values: &[Named], reference: &[Named]) -> Vec<(String, Agreement)> {
    let mut groups: Vec<(String, Agreement)> = Vec::new();
    let mut add = |group: &str, a: Agreement| match groups.iter_mut().find(|(g, _)| g == group) {
        Some((_, existing)) => *existing = existing.merge(a),
        None => groups.push((group.to_string(), a)),
    };
    for r in reference {
        let a = match values.iter().find(|v| v.name == r.name) {
            Some(v) => Agreement::of(&v.values, &r.values),
            None => Agreement {
                max_abs: f64::INFINITY,
                max_rel: f64::INFINITY,
                scale: 0.0,
            },
        };
        add(&r.group, a);
    }
    for v in values {
        if !reference.iter().any(|r| r.name == v.name) {
            add(
                &v.group,
                Agreement {
                    max_abs: f64::INFINITY,
                    max_rel: f64::INFINITY,
                    scale: 0.0,
                },
            );
        }
    }
    groups
}

/// Loss curves compared step by step: relative error is |a − b| / |b| at each step.
pub fn curve(values: &[f32], reference: &[f32]) -> Agreement {
    let mut worst = Agreement::default();
    if values.len() != reference.len() {
        return Agreement {
            max_abs: f64::INFINITY,
            max_rel: f64::INFINITY,
            scale: 0.0,
        };
    }
    for (a, b) in values.iter().zip(reference) {
        let one = Agreement::of(&[*a], &[*b]);
        worst.max_abs = worst.max_abs.max(one.max_abs);
        worst.max_rel = worst.max_rel.max(one.max_rel);
        worst.scale = worst.scale.max(one.scale);
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(group: &str, name: &str, values: &[f32]) -> Named {
        Named {
            group: group.into(),
            name: name.into(),
            values: values.to_vec(),
        }
    }

    #[test]
    fn relative_error_is_against_the_largest_reference_value() {
        let a = Agreement::of(&[1.0, 2.001, -4.0], &[1.0, 2.0, -4.0]);
        assert!((a.max_abs - 0.001).abs() < 1e-6, "{a:?}");
        assert!((a.max_rel - 0.00025).abs() < 1e-6, "{a:?}");
        assert_eq!(a.scale, 4.0);
    }

    #[test]
    fn nan_and_length_mismatch_are_infinite() {
        assert!(Agreement::of(&[f32::NAN], &[1.0]).max_abs.is_infinite());
        assert!(Agreement::of(&[1.0], &[1.0, 2.0]).max_abs.is_infinite());
    }

    #[test]
    fn groups_merge_and_missing_tensors_fail() {
        let reference = vec![
            named("g", "a", &[1.0, 1.0]),
            named("g", "b", &[10.0]),
            named("h", "c", &[1.0]),
        ];
        let values = vec![named("g", "a", &[1.5, 1.0]), named("g", "b", &[10.0])];
        let groups = by_group(&values, &reference);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "g");
        assert!((groups[0].1.max_abs - 0.5).abs() < 1e-9);
        assert!((groups[0].1.max_rel - 0.05).abs() < 1e-9, "{:?}", groups[0]);
        assert!(groups[1].1.max_rel.is_infinite());
    }

    #[test]
    fn curves_compare_step_by_step() {
        let c = curve(&[2.0, 1.01], &[2.0, 1.0]);
        assert!((c.max_rel - 0.01).abs() < 1e-6, "{c:?}");
    }
}
