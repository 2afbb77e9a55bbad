//! The procedural suite: determinism, letter balance, ID/OOD shift, oracle agreement,
//! split disjointness.

use std::collections::{BTreeMap, HashMap};

use amvl_data::seed::hash_bytes;
use amvl_data::{Item, Setting, Split, SuiteDataset, Task};

fn item_hash(item: &Item) -> u64 {
    let mut bytes = Vec::new();
    bytes.extend(item.question.as_bytes());
    for o in &item.options {
        bytes.extend(o.as_bytes());
        bytes.push(0);
    }
    for img in &item.images {
        bytes.extend(img.width().to_le_bytes());
        bytes.extend(img.as_raw());
    }
    hash_bytes(&bytes)
}

#[test]
fn get_is_a_pure_function() {
    let a = SuiteDataset::new(7, Split::TestOod, vec![], 3, 32);
    let b = SuiteDataset::new(7, Split::TestOod, vec![], 3, 32);
    assert_eq!(a.len(), 30);
    // Out of order, repeated, from another instance: always the same item.
    for i in [29, 0, 13, 0, 29] {
        assert_eq!(a.get(i), b.get(i));
    }
    // Another seed gives other items.
    let c = SuiteDataset::new(8, Split::TestOod, vec![], 3, 32);
    assert_ne!(a.get(0), c.get(0));
    // Safe across threads (loader workers).
    let items: Vec<Item> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|i| {
                let a = &a;
                s.spawn(move || a.get(i * 7))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (k, it) in items.iter().enumerate() {
        assert_eq!(*it, b.get(k * 7));
    }
}

#[test]
fn items_are_well_formed() {
    for split in Split::ALL {
        let ds = SuiteDataset::new(1, split, vec![], 4, 32);
        for i in 0..ds.len() {
            let it = ds.get(i);
            let task: Task = it.task.parse().unwrap();
            assert!((1..=4).contains(&it.images.len()), "{}", it.id);
            assert_eq!(it.options.len(), task.n_options(), "{}", it.id);
            assert!(it.answer.unwrap() < it.options.len());
            assert!(it.rationale.as_deref().is_some_and(|r| !r.is_empty()));
            assert_eq!(it.images[0].dimensions(), (32, 32));
            let mut opts = it.options.clone();
            opts.sort();
            opts.dedup();
            assert_eq!(
                opts.len(),
                it.options.len(),
                "duplicate options in {}: {:?}",
                it.id,
                it.options
            );
        }
    }
}

#[test]
fn answer_letters_are_balanced_per_task() {
    for task in Task::ALL {
        let n = task.n_options();
        let per_task = n * 30;
        for split in [Split::Train, Split::TestOod] {
            let ds = SuiteDataset::new(3, split, vec![task], per_task, 32);
            let mut counts = vec![0usize; n];
            for i in 0..ds.len() {
                counts[ds.scene(i).describe().answer] += 1;
            }
            assert!(counts.iter().all(|c| *c == 30), "{task} {split}: {counts:?}");
        }
    }
}

/// The scripted oracle answers every item from its scene description alone and agrees with
/// every label: thousands of items per task, in the ID and the OOD setting.
#[test]
fn oracle_agrees_with_every_label() {
    const N: usize = 2000;
    for task in Task::ALL {
        for split in [Split::Train, Split::TestOod] {
            let ds = SuiteDataset::new(11, split, vec![task], N, 32);
            for i in 0..N {
                let scene = ds.scene(i);
                let d = scene.describe();
                assert_eq!(scene.oracle(), d.answer, "{task} {split} item {i}: {scene:?}");
            }
        }
    }
}

/// Rendered items carry the label the oracle gives (the whole pipeline, not only scenes).
#[test]
fn rendered_items_match_the_oracle() {
    let ds = SuiteDataset::new(5, Split::Val, vec![], 20, 32);
    for i in 0..ds.len() {
        let (item, scene) = ds.get_with_scene(i);
        assert_eq!(item.answer, Some(scene.oracle()), "{}", item.id);
        assert_eq!(item.task, scene.task().name());
    }
}

#[test]
fn id_and_ood_differ_in_the_declared_parameter() {
    for task in Task::ALL {
        let spec = task.shift();
        let (id, ood) = (spec.id, spec.ood);
        assert!(
            id.1 < ood.0 || ood.1 < id.0,
            "{task}: ID {id:?} and OOD {ood:?} overlap"
        );
        for split in Split::ALL {
            let (lo, hi) = spec.range(split.setting());
            let ds = SuiteDataset::new(2, split, vec![task], 300, 32);
            for i in 0..ds.len() {
                let v = ds.scene(i).shift_value();
                assert!(
                    v >= lo - 1e-4 && v <= hi + 1e-4,
                    "{task} {split} item {i}: {} = {v} outside {lo}..={hi}",
                    spec.parameter
                );
            }
        }
        assert_eq!(Split::TestOod.setting(), Setting::Ood);
    }
}

#[test]
fn no_item_is_shared_between_splits() {
    let mut seen: HashMap<u64, (Split, String)> = HashMap::new();
    for split in Split::ALL {
        let ds = SuiteDataset::new(0, split, vec![], 150, 32);
        for i in 0..ds.len() {
            let it = ds.get(i);
            let h = item_hash(&it);
            if let Some((s, id)) = seen.get(&h) {
                assert_eq!(*s, split, "item {} of {split} equals item {id} of {s}", it.id);
            }
            seen.insert(h, (split, it.id));
        }
    }
    // Scene fingerprints fall in disjoint bucket ranges: no scene can be in two splits.
    let mut buckets: BTreeMap<Split, Vec<u64>> = BTreeMap::new();
    for split in Split::ALL {
        let ds = SuiteDataset::new(0, split, vec![], 50, 32);
        let b = buckets.entry(split).or_default();
        for i in 0..ds.len() {
            b.push(ds.scene(i).fingerprint() % 20);
        }
        b.sort();
        b.dedup();
    }
    for a in Split::ALL {
        for b in Split::ALL {
            if a != b {
                assert!(
                    buckets[&a].iter().all(|x| !buckets[&b].contains(x)),
                    "{a} and {b} share a bucket"
                );
            }
        }
    }
}

#[test]
fn task_and_split_names_round_trip() {
    for t in Task::ALL {
        assert_eq!(t.name().parse::<Task>().unwrap(), t);
        assert_eq!(t.to_string(), t.name());
    }
    for s in Split::ALL {
        assert_eq!(s.to_string().parse::<Split>().unwrap(), s);
    }
    assert!("countng".parse::<Task>().is_err());
    assert!("test".parse::<Split>().is_err());
    assert_eq!(
        Task::parse_list("jigsaw, counting").unwrap(),
        vec![Task::Jigsaw, Task::Counting]
    );
    assert_eq!(Task::parse_list("all").unwrap().len(), 10);
}

#[test]
fn images_render_at_any_size() {
    for size in [32, 64, 100] {
        let ds = SuiteDataset::new(0, Split::Train, vec![], 1, size);
        for i in 0..ds.len() {
            let it = ds.get(i);
            assert_eq!(it.images[0].dimensions(), (size, size), "{}", it.id);
        }
    }
}
