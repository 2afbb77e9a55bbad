//! The shipped configs load; bad ones fail at load time with a message naming the problem.

use amvl_train::RunConfig;
use std::path::PathBuf;

fn configs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../configs")
}

#[test]
fn shipped_configs_load_with_the_documented_shapes() {
    let tiny = RunConfig::load(&configs_dir().join("tiny.toml")).unwrap();
    assert_eq!(tiny.model.vision.image_size, 32);
    assert_eq!(tiny.model.decoder.hidden_size, 64);
    assert_eq!((tiny.model.decoder.num_heads, tiny.model.decoder.num_kv_heads), (4, 2));
    assert_eq!((tiny.model.latent.slots, tiny.model.latent.d_latent), (4, 16));
    let small = RunConfig::load(&configs_dir().join("small.toml")).unwrap();
    assert_eq!(small.model.latent.slots, 8);
    let base = RunConfig::load(&configs_dir().join("base.toml")).unwrap();
    assert_eq!(
        (base.model.decoder.hidden_size, base.model.decoder.num_layers),
        (576, 12)
    );
    assert_eq!((base.model.latent.slots, base.model.latent.d_latent), (16, 64));
    let paper = RunConfig::load(&configs_dir().join("paper.toml")).unwrap();
    assert_eq!((paper.model.latent.slots, paper.model.latent.d_latent), (8, 512));
    let latent = RunConfig::load(&configs_dir().join("latent.toml")).unwrap();
    assert!(
        !latent.data.rationale_before_answer,
        "the latent runs decode the letter alone"
    );
    assert_eq!(latent.loss.objective.name(), "amvl");
}

#[test]
fn the_latent_reports_configs_load() {
    let dir = configs_dir().join("../reports/latent/configs");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        RunConfig::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        n += 1;
    }
    assert!(n >= 8, "{n} configs in {}", dir.display());
}

#[test]
fn missing_keys_take_defaults() {
    let config = RunConfig::parse("[train]\nsteps = 7\n", "inline").unwrap();
    assert_eq!(config.train.steps, 7);
    assert_eq!(
        config,
        RunConfig {
            train: amvl_train::TrainConfig {
                steps: 7,
                ..Default::default()
            },
            ..Default::default()
        }
    );
}

#[test]
fn unknown_key_names_the_key_and_the_closest_known_one() {
    let err = RunConfig::parse("[model.decoder]\nnum_head = 4\n", "bad.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`num_head`") && err.contains("did you mean `num_heads`"),
        "{err}"
    );
    assert!(err.contains("bad.toml:2"), "{err}");
}

#[test]
fn impossible_combinations_fail_at_load() {
    let cases = [
        (
            "[model.decoder]\nhidden_size = 60\nnum_heads = 8\n",
            "not divisible by decoder.num_heads",
        ),
        (
            "[model.decoder]\nnum_heads = 4\nnum_kv_heads = 3\n",
            "not divisible by decoder.num_kv_heads",
        ),
        ("[model.vision]\nimage_size = 30\npatch_size = 8\n", "patch"),
        ("[model.latent]\nslots = 0\n", "needs a latent block"),
    ];
    for (text, expected) in cases {
        let err = RunConfig::parse(text, "c.toml").unwrap_err().to_string();
        assert!(err.contains(expected), "{text:?} gave {err}");
    }
    // k = 0 is fine without a latent objective.
    RunConfig::parse(
        "[model.latent]\nslots = 0\n[loss]\nobjective = \"no_latent\"\n",
        "ok.toml",
    )
    .unwrap();
}
