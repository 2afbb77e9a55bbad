//! Every reader survives a few hundred mutated and hostile inputs without a panic or a hang,
//! every seed is accepted (so the cases reach the readers' real paths), the hostile inputs are
//! refused, and the saved regression cases still pass.

use amvl_fuzz::driver::replay;
use amvl_fuzz::targets::target;
use amvl_fuzz::{FuzzOptions, Target, TargetKind, fuzz};
use std::path::PathBuf;
use std::sync::Arc;

fn all() -> Vec<Arc<dyn Target>> {
    TargetKind::ALL.iter().map(|&k| target(k).unwrap()).collect()
}

#[test]
fn seeds_are_accepted_and_hostile_inputs_refused() {
    for t in all() {
        let scratch = tempfile::tempdir().unwrap();
        for (i, seed) in t.seeds().iter().enumerate() {
            let dir = scratch.path().join(format!("seed-{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            t.run(seed, &dir)
                .unwrap_or_else(|e| panic!("{} seed {i} refused: {e}", t.kind()));
        }
        for (name, bytes) in t.hostile() {
            let dir = scratch.path().join(&name);
            std::fs::create_dir_all(&dir).unwrap();
            let result = t.run(&bytes, &dir);
            assert!(result.is_err(), "{} accepted the hostile input {name}", t.kind());
        }
    }
}

#[test]
fn a_few_hundred_cases_per_reader_without_a_panic_or_a_hang() {
    let options = FuzzOptions {
        cases: 300,
        seed: 7,
        ..FuzzOptions::default()
    };
    let report = fuzz(&all(), &options);
    for t in &report.targets {
        assert!(t.panics.is_empty(), "{}: {:?}", t.target, t.panics);
        assert!(t.hang.is_none(), "{}: {:?}", t.target, t.hang);
        assert!(t.cases >= 300, "{}: {} cases", t.target, t.cases);
        assert!(t.refused > 0, "{}: no case was refused, so none was damaged", t.target);
    }
    assert_eq!(report.targets.len(), 9);
}

#[test]
fn saved_regression_cases_still_pass() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for t in all() {
        for (path, result) in replay(t.as_ref(), &root.join(t.kind().name())) {
            assert!(result.is_ok(), "{}: {result:?}", path.display());
        }
    }
}
