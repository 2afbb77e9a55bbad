//! Tokenizer and batcher: special tokens, letters, sequences, masks, images, limits.

use std::sync::Arc;

use amvl_core::special_tokens as sp;
use amvl_data::{
    AmvlBatcher, AmvlTokenizer, BatcherConfig, DataError, FallibleBatcher, Item, ItemSource, Split, SuiteDataset,
    TargetMode, Task,
};
use burn::data::dataloader::batcher::Batcher;
use burn::prelude::*;
use burn::tensor::Device;

fn tokenizer() -> Arc<AmvlTokenizer> {
    Arc::new(AmvlTokenizer::train_on_suite(0, &Task::ALL, 20).unwrap())
}

fn ints(t: Tensor<2, Int>) -> Vec<Vec<i64>> {
    let [b, l] = t.dims();
    let v: Vec<i64> = t.into_data().convert::<i64>().try_to_vec().unwrap();
    (0..b).map(|i| v[i * l..(i + 1) * l].to_vec()).collect()
}

fn bools(t: Tensor<2, Bool>) -> Vec<Vec<bool>> {
    let [b, l] = t.dims();
    let v: Vec<bool> = t.into_data().try_to_vec().unwrap();
    (0..b).map(|i| v[i * l..(i + 1) * l].to_vec()).collect()
}

#[test]
fn tokenizer_has_specials_in_order_and_single_token_letters() {
    let t = tokenizer();
    for (k, s) in sp::ALL.iter().enumerate() {
        assert_eq!(t.token_id(s), Some(k as u32), "{s}");
        assert_eq!(t.special_id(s).unwrap(), k as u32);
    }
    let letters = t.option_letter_ids();
    for (k, l) in ["A", "B", "C", "D"].iter().enumerate() {
        assert_eq!(t.encode(l).unwrap(), vec![letters[k]]);
    }
    let ids = t.encode("How many red circles are in the image? (A) 3 (B) 4").unwrap();
    assert!(!ids.contains(&t.unk_id()), "{ids:?}");
    assert_eq!(
        t.decode(&ids, true).unwrap(),
        "How many red circles are in the image ? ( A ) 3 ( B ) 4"
    );
    assert!(t.encode("<answer> B <eos>").unwrap().starts_with(&[t.answer_id()]));
    // Every word of every split's text is in the vocabulary.
    for split in Split::ALL {
        let ds = SuiteDataset::new(0, split, vec![], 5, 32);
        for i in 0..ds.len() {
            let ids = t.encode(&ds.text(i)).unwrap();
            assert!(!ids.contains(&t.unk_id()), "{split} {i}: {}", ds.text(i));
        }
    }
}

#[test]
fn tokenizer_save_load_round_trip_and_is_deterministic() {
    let d = tempfile::tempdir().unwrap();
    let t = tokenizer();
    t.save(d.path().join("a.json")).unwrap();
    tokenizer().save(d.path().join("b.json")).unwrap();
    assert_eq!(
        std::fs::read(d.path().join("a.json")).unwrap(),
        std::fs::read(d.path().join("b.json")).unwrap()
    );
    let u = AmvlTokenizer::from_file(d.path().join("a.json")).unwrap();
    assert_eq!(u.vocab_size(), t.vocab_size());
    let s = "Which marked point is closer to the camera? (A) point A (B) point B";
    assert_eq!(u.encode(s).unwrap(), t.encode(s).unwrap());
    assert!(matches!(
        AmvlTokenizer::from_file(d.path().join("missing.json")),
        Err(DataError::Tokenizer(_))
    ));
}

#[test]
fn a_foreign_tokenizer_gets_the_special_tokens_added() {
    use tokenizers::Tokenizer;
    use tokenizers::models::wordlevel::WordLevel;
    use tokenizers::pre_tokenizers::whitespace::Whitespace;
    let vocab = [
        ("[UNK]", 0u32),
        ("A", 1),
        ("B", 2),
        ("C", 3),
        ("D", 4),
        ("E", 5),
        ("F", 6),
        ("G", 7),
        ("H", 8),
        ("hello", 9),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), *v))
    .collect();
    let wl = WordLevel::builder()
        .vocab(vocab)
        .unk_token("[UNK]".into())
        .build()
        .unwrap();
    let mut raw = Tokenizer::new(wl);
    raw.with_pre_tokenizer(Some(Whitespace {}));
    let t = AmvlTokenizer::wrap(raw).unwrap();
    assert_eq!(t.vocab_size(), 20);
    assert_eq!(t.pad_id(), 10);
    assert_eq!(t.option_letter_ids(), [1, 2, 3, 4]);
}

fn cfg() -> BatcherConfig {
    BatcherConfig {
        image_size: 32,
        ..BatcherConfig::default()
    }
}

#[test]
fn batches_have_the_contracted_layout() {
    let t = tokenizer();
    let dev = Device::flex();
    let ds = SuiteDataset::new(0, Split::Train, vec![Task::Counting, Task::Jigsaw, Task::IqTest], 1, 32);
    let items: Vec<Item> = (0..3).map(|i| ds.get(i)).collect();
    let b = AmvlBatcher::new(cfg(), t.clone()).batch(items.clone(), &dev).unwrap();
    assert_eq!(b.batch_size(), 3);
    assert_eq!(b.images.dims(), [3, 4, 3, 32, 32]);
    let im = bools(b.image_mask.clone());
    assert_eq!(
        im,
        vec![
            vec![true, false, false, false],
            vec![true, true, true, true],
            vec![true, true, false, false]
        ]
    );
    // Normalised pixels: (v/255 - 0.5)/0.5 in [-1, 1]; absent images are zero.
    let px: Vec<f32> = b.images.clone().into_data().try_to_vec().unwrap();
    assert!(px.iter().all(|v| (-1.0..=1.0).contains(v)));
    let p0 = items[0].images[0].get_pixel(0, 0).0[0];
    assert!((px[0] - (f32::from(p0) / 255.0 - 0.5) / 0.5).abs() < 1e-5);
    let plane = 3 * 32 * 32;
    assert!(px[plane..2 * plane].iter().all(|v| *v == 0.0));

    let q = ints(b.question.clone());
    let qm = bools(b.question_mask.clone());
    for (k, it) in items.iter().enumerate() {
        let n = qm[k].iter().filter(|m| **m).count();
        assert!(
            qm[k][..n].iter().all(|m| *m) && qm[k][n..].iter().all(|m| !*m),
            "right padding"
        );
        assert_eq!(q[k][0], t.bos_id() as i64);
        assert!(q[k][n..].iter().all(|v| *v == t.pad_id() as i64));
        let text = t
            .decode(&q[k][..n].iter().map(|v| *v as u32).collect::<Vec<_>>(), true)
            .unwrap();
        assert!(text.contains("( A )"), "{text}");
        let letter = t.option_letter_ids()[it.answer.unwrap()] as i64;
        assert_eq!(ints(b.answer_input.clone())[k], vec![t.answer_id() as i64, letter]);
        assert_eq!(ints(b.answer_target.clone())[k], vec![letter, t.eos_id() as i64]);
        assert_eq!(bools(b.answer_mask.clone())[k], vec![true, true]);
        assert_eq!(ints(b.target.clone())[k], vec![letter]);
    }
}

#[test]
fn image_slots_stop_at_the_batch_largest_item_and_task_image_counts_hold() {
    let t = tokenizer();
    let dev = Device::flex();
    let ds = SuiteDataset::new(0, Split::Train, vec![Task::Counting, Task::MultiView], 2, 32);
    let batcher = AmvlBatcher::new(cfg(), t);
    // Items 0 and 2 are counting (one image), 1 and 3 multi_view (two).
    let single = batcher.batch(vec![ds.get(0), ds.get(2)], &dev).unwrap();
    assert_eq!(single.images.dims(), [2, 1, 3, 32, 32]);
    assert_eq!(bools(single.image_mask), vec![vec![true], vec![true]]);
    let mixed = batcher.batch(vec![ds.get(0), ds.get(1)], &dev).unwrap();
    assert_eq!(mixed.images.dims(), [2, 2, 3, 32, 32]);
    assert_eq!(bools(mixed.image_mask), vec![vec![true, false], vec![true, true]]);
    // The cheap count the trainer buckets by is what rendering draws, in both settings.
    for split in [Split::Train, Split::TestOod] {
        let all = SuiteDataset::new(5, split, vec![], 6, 16);
        for i in 0..all.len() {
            let item = all.get(i);
            assert_eq!(
                ItemSource::image_count(&all, i).unwrap(),
                item.images.len(),
                "{}",
                item.id
            );
        }
    }
}

#[test]
fn rationale_mode_targets_and_truncation() {
    let t = tokenizer();
    let dev = Device::flex();
    let item = SuiteDataset::new(0, Split::Train, vec![Task::Counting], 1, 32).get(0);
    let mut c = cfg();
    c.target_mode = TargetMode::RationaleAnswer;
    let b = AmvlBatcher::new(c.clone(), t.clone())
        .batch(vec![item.clone()], &dev)
        .unwrap();
    let tg = &ints(b.target)[0];
    let letter = t.option_letter_ids()[item.answer.unwrap()] as i64;
    assert_eq!(tg[0], t.rationale_id() as i64);
    assert_eq!(&tg[tg.len() - 2..], &[t.answer_id() as i64, letter]);
    let rat = t
        .decode(&tg[1..tg.len() - 2].iter().map(|v| *v as u32).collect::<Vec<_>>(), true)
        .unwrap();
    assert_eq!(rat.replace(' ', ""), item.rationale.clone().unwrap().replace(' ', ""));

    // Too long: an error naming the item, unless truncation is asked for.
    c.max_target_len = 5;
    let e = AmvlBatcher::new(c.clone(), t.clone())
        .batch(vec![item.clone()], &dev)
        .unwrap_err();
    assert!(
        matches!(&e, DataError::TooLong { item: i, what: "target", .. } if *i == item.id),
        "{e}"
    );
    assert!(e.to_string().contains(&item.id));
    let mut q = cfg();
    q.max_question_len = 4;
    let e = AmvlBatcher::new(q.clone(), t.clone()).encode_item(&item).unwrap_err();
    assert!(matches!(e, DataError::TooLong { what: "question", .. }), "{e}");
    c.truncate = true;
    q.truncate = true;
    let tg = &ints(
        AmvlBatcher::new(c, t.clone())
            .batch(vec![item.clone()], &dev)
            .unwrap()
            .target,
    )[0];
    assert_eq!(tg.len(), 5);
    assert_eq!(&tg[3..], &[t.answer_id() as i64, letter]);
    assert_eq!(
        AmvlBatcher::new(q, t.clone())
            .encode_item(&item)
            .unwrap()
            .question
            .len(),
        4
    );
}

#[test]
fn bad_items_are_errors_not_panics() {
    let t = tokenizer();
    let dev = Device::flex();
    let mut item = SuiteDataset::new(0, Split::Train, vec![Task::Counting], 1, 32).get(0);
    let b = AmvlBatcher::new(BatcherConfig { max_images: 1, ..cfg() }, t.clone());
    let mut many = item.clone();
    many.images = vec![many.images[0].clone(); 2];
    assert!(matches!(b.batch(vec![many], &dev), Err(DataError::BadItem { .. })));
    assert!(matches!(b.batch(vec![], &dev), Err(DataError::Invalid(_))));
    item.answer = Some(9);
    assert!(matches!(
        b.batch(vec![item.clone()], &dev),
        Err(DataError::BadAnswer { .. })
    ));
    let fb = FallibleBatcher(b.clone());
    let out: Result<_, DataError> = Batcher::batch(&fb, vec![item], &dev);
    assert!(out.is_err());
    assert!(matches!(
        b.check(&SuiteDataset::new(0, Split::Val, vec![Task::Jigsaw], 1, 32)),
        Err(DataError::BadItem { .. })
    ));
    assert_eq!(
        AmvlBatcher::new(cfg(), t)
            .check(&SuiteDataset::new(0, Split::Val, vec![], 2, 32))
            .unwrap(),
        20
    );
}

#[test]
fn hidden_answers_batch_without_scored_targets_and_images_are_resized() {
    let t = tokenizer();
    let dev = Device::flex();
    let mut item = SuiteDataset::new(0, Split::Train, vec![Task::Jigsaw], 1, 48).get(0);
    item.answer = None;
    let b = Batcher::<Item, amvl_core::AmvlBatch>::batch(&AmvlBatcher::new(cfg(), t.clone()), vec![item], &dev);
    assert_eq!(b.images.dims(), [1, 4, 3, 32, 32]);
    assert_eq!(ints(b.answer_input)[0], vec![t.answer_id() as i64]);
    assert_eq!(ints(b.answer_target)[0], vec![t.eos_id() as i64]);
    assert_eq!(bools(b.answer_mask)[0], vec![false]);
    assert_eq!(ints(b.target)[0], vec![t.answer_id() as i64]);
}

#[test]
fn burn_dataloader_runs_over_the_suite() {
    use burn::data::dataloader::DataLoaderBuilder;
    let t = tokenizer();
    let ds = SuiteDataset::new(0, Split::Val, vec![], 2, 32);
    let loader = DataLoaderBuilder::new(AmvlBatcher::new(cfg(), t))
        .batch_size(8)
        .set_device(Device::flex())
        .build(ds);
    let sizes: Vec<usize> = loader.iter().map(|b| b.unwrap().batch_size()).collect();
    assert_eq!(sizes, vec![8, 8, 4]);
}

#[test]
fn the_rationale_can_follow_the_answer_letter() {
    let t = tokenizer();
    let item = SuiteDataset::new(0, Split::Train, vec![Task::Counting], 1, 32).get(0);
    let rationale = t.encode(item.rationale.as_deref().unwrap()).unwrap();
    let letter = t.letter_ids(amvl_data::MAX_OPTIONS)[item.answer.unwrap()];
    let with = |max_answer_len, truncate| {
        AmvlBatcher::new(
            BatcherConfig {
                rationale_after_answer: true,
                max_answer_len,
                truncate,
                ..cfg()
            },
            t.clone(),
        )
        .encode_item(&item)
    };
    let e = with(64, false).unwrap();
    let mut input = vec![t.answer_id(), letter, t.rationale_id()];
    input.extend(&rationale);
    assert_eq!(e.answer_input, input);
    let mut target = vec![letter, t.rationale_id()];
    target.extend(&rationale);
    target.push(t.eos_id());
    assert_eq!(e.answer_target, target);
    assert!(e.answer_mask.iter().all(|&m| m));
    assert_eq!(e.target, vec![letter], "the posterior's target is unchanged");

    let cut = with(5, true).unwrap();
    assert_eq!(
        cut.answer_input,
        input[..5].to_vec(),
        "the rationale is cut, the letter kept"
    );
    assert_eq!(cut.answer_target[0], letter);
    assert_eq!(cut.answer_target.len(), 5);
    match with(5, false) {
        Err(DataError::TooLong { item: id, what, .. }) => {
            assert_eq!(id, item.id);
            assert_eq!(what, "answer with rationale");
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
    let plain = AmvlBatcher::new(cfg(), t.clone()).encode_item(&item).unwrap();
    assert_eq!(plain.answer_input, vec![t.answer_id(), letter]);
}

#[test]
fn the_rationale_can_come_before_the_answer_letter() {
    let t = tokenizer();
    let item = SuiteDataset::new(0, Split::Train, vec![Task::SpatialRelation], 1, 32).get(0);
    let rationale = t.encode(item.rationale.as_deref().unwrap()).unwrap();
    let letter = t.letter_ids(amvl_data::MAX_OPTIONS)[item.answer.unwrap()];
    let config = |max_answer_len, truncate| BatcherConfig {
        rationale_before_answer: true,
        max_answer_len,
        truncate,
        ..cfg()
    };
    let with = |max_answer_len, truncate, item: &Item| {
        AmvlBatcher::new(config(max_answer_len, truncate), t.clone()).encode_item(item)
    };
    let e = with(64, false, &item).unwrap();
    let mut input = vec![t.rationale_id()];
    input.extend(&rationale);
    input.extend([t.answer_id(), letter]);
    assert_eq!(e.answer_input, input);
    let mut target = rationale.clone();
    target.extend([t.answer_id(), letter, t.eos_id()]);
    assert_eq!(
        e.answer_target, target,
        "each input predicts the next token of the chain"
    );
    assert!(e.answer_mask.iter().all(|&m| m));
    assert_eq!(config(64, false).answer_start(&t), t.rationale_id());
    assert_eq!(cfg().answer_start(&t), t.answer_id());

    // Cut to fit: the rationale loses its tail, `<answer> L <eos>` stays.
    let cut = with(7, true, &item).unwrap();
    assert_eq!(
        cut.answer_input,
        [&[t.rationale_id()][..], &rationale[..4], &[t.answer_id(), letter]].concat()
    );
    assert_eq!(
        cut.answer_target,
        [&rationale[..4], &[t.answer_id(), letter, t.eos_id()][..]].concat()
    );
    match with(7, false, &item) {
        Err(DataError::TooLong {
            item: id, what, max, ..
        }) => {
            assert_eq!((id.as_str(), what, max), (item.id.as_str(), "rationale with answer", 7));
        }
        other => panic!("expected TooLong, got {other:?}"),
    }
    // No rationale: an empty chain, so generation still starts from `<rationale>`.
    let bare = Item {
        rationale: None,
        ..item.clone()
    };
    let e = with(64, false, &bare).unwrap();
    assert_eq!(e.answer_input, vec![t.rationale_id(), t.answer_id(), letter]);
    assert_eq!(e.answer_target, vec![t.answer_id(), letter, t.eos_id()]);
}
