//! Evaluation metrics on hand-built models whose right answer is known.
#[path = "../../amvl-train/tests/common/mod.rs"]
mod common;

use amvl_data::Split;
use amvl_eval::{EvalOptions, evaluate};
use amvl_train::session::{DataSource, EvalSplit, batcher, open_split, tokenizer};
use amvl_train::trainer::init_model;
use burn::module::Param;
use burn::prelude::*;
use common::tiny_run_config;

#[test]
fn a_model_that_ignores_its_latents_shows_no_control_drop_and_no_leakage() {
    let mut config = tiny_run_config();
    config.data.eval_per_task = 12;
    let device = Device::flex();
    let items = open_split(&DataSource::Suite, &config, Split::TestId, 12).unwrap();
    let tok = tokenizer(&DataSource::Suite, &config, &items).unwrap();
    config.model.decoder.vocab_size = tok.vocab_size();
    let mut model = init_model(&config, &device);
    // Injector ≡ 0: whatever z is, the slots carry the same (zero) vectors.
    let block = model.latent.as_mut().unwrap();
    let [d_in, d_out] = block.injector.proj.weight.dims();
    block.injector.proj.weight = Param::from_tensor(Tensor::zeros([d_in, d_out], &device));
    block.injector.proj.bias = Some(Param::from_tensor(Tensor::zeros([d_out], &device)));

    let batcher = batcher(&config, tok);
    let options = EvalOptions {
        taus: vec![1.0],
        batch_size: 8,
        controls: true,
        seed: 3,
        ..EvalOptions::default()
    };
    let report = evaluate(
        &model,
        &items,
        &batcher,
        EvalSplit::Split(Split::TestId),
        &options,
        &device,
    )
    .unwrap();
    for task in &report.tasks {
        let base = task.accuracy["prior_mean"];
        for label in ["prior_tau_1", "posterior_mean", "zero", "shuffled", "swapped"] {
            assert_eq!(task.accuracy[label], base, "{}: {label}", task.task);
            assert_eq!(task.likelihood_accuracy[label], task.likelihood_accuracy["prior_mean"]);
        }
        assert_eq!(task.leakage_gap, Some(0.0));
        assert!(task.latent_norm.unwrap() < 1e-6);
        assert!(task.embedding_norm > 0.0);
    }
}

#[test]
fn chance_and_split_means_are_item_weighted() {
    use amvl_eval::{EvalReport, TaskReport};
    let task = |name: &str, n: usize, acc: f64, chance: f64| TaskReport {
        task: name.into(),
        split: "test-id".into(),
        items: n,
        scorable: n,
        chance,
        accuracy: [("prior_mean".to_string(), acc)].into_iter().collect(),
        ..TaskReport::default()
    };
    let report = EvalReport {
        tasks: vec![task("a", 10, 1.0, 0.5), task("b", 30, 0.0, 0.25)],
        ..EvalReport::default()
    };
    let mean = report
        .split_mean("test-id", |t| t.accuracy.get("prior_mean").copied())
        .unwrap();
    assert!((mean - 0.25).abs() < 1e-12);
    let chance = report.split_mean("test-id", |t| Some(t.chance)).unwrap();
    assert!((chance - 0.3125).abs() < 1e-12);
}
