//! The latent-task sets: answers follow from their definition, splits keep their promises.
use amvl_data::{ChannelSet, HopsConfig, HopsMapping, HopsSet, ItemSource, Split};

#[test]
fn channel_answers_are_balanced_and_x_is_constant() {
    let set = ChannelSet::new(0, Split::Train, 4000, 16);
    let mut counts = [0usize; 4];
    let first = set.get(0);
    for i in 0..set.len() {
        let item = set.get(i);
        counts[item.answer.unwrap()] += 1;
        assert_eq!(
            (&item.question, &item.options, &item.images),
            (&first.question, &first.options, &first.images)
        );
    }
    for c in counts {
        assert!((900..1100).contains(&c), "letter counts {counts:?}");
    }
    assert_ne!(
        (0..50).map(|i| set.get(i).answer).collect::<Vec<_>>(),
        (0..50)
            .map(|i| ChannelSet::new(0, Split::TestId, 50, 16).get(i).answer)
            .collect::<Vec<_>>()
    );
}

fn parse(item: &amvl_data::Item) -> (usize, usize, String) {
    // "start at n3 and follow 2 red links . where do you end ?"
    let words: Vec<&str> = item.question.split(' ').collect();
    (
        words[2][1..].parse().unwrap(),
        words[5].parse().unwrap(),
        words[6].to_string(),
    )
}

#[test]
fn learned_hops_answers_follow_the_maps_and_held_out_questions_stay_out_of_training() {
    let config = HopsConfig {
        mapping: HopsMapping::Learned,
        nodes: 8,
        ..HopsConfig::default()
    };
    let train = HopsSet::new(config.clone(), 7, Split::Train, 3000, 16).unwrap();
    let test = HopsSet::new(config.clone(), 7, Split::TestId, 1000, 16).unwrap();
    let ood = HopsSet::new(config.clone(), 7, Split::TestOod, 200, 16).unwrap();
    // One-hop facts, learned from training items: (map, start) → next.
    let mut next = std::collections::HashMap::new();
    let mut train_questions = std::collections::HashSet::new();
    for i in 0..train.len() {
        let item = train.get(i);
        let (start, hops, map) = parse(&item);
        assert_eq!(item.task, format!("hops{hops}"));
        let answer = item.options[item.answer.unwrap()].clone();
        if hops == 1 {
            let prev = next.insert((map.clone(), start), answer.clone());
            assert!(prev.is_none_or(|p| p == answer), "a map is a function");
        }
        train_questions.insert((map, start, hops));
    }
    assert_eq!(
        next.len(),
        config.maps * config.nodes,
        "every one-hop fact is in training"
    );
    let follow = |map: &str, start: usize, hops: usize| {
        let mut node = format!("n{start}");
        for _ in 0..hops {
            node = next[&(map.to_string(), node[1..].parse::<usize>().unwrap())].clone();
        }
        node
    };
    let mut held_out = 0;
    for set in [&train, &test, &ood] {
        for i in 0..set.len() {
            let item = set.get(i);
            let (start, hops, map) = parse(&item);
            assert_eq!(
                item.options[item.answer.unwrap()],
                follow(&map, start, hops),
                "{}",
                item.id
            );
            let mut distinct = item.options.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), 4);
            assert_eq!(item.rationale.as_ref().unwrap().split(" to ").count(), hops + 1);
            if set.split == Split::TestId && hops >= 2 {
                assert!(
                    !train_questions.contains(&(map, start, hops)),
                    "{} was asked in training",
                    item.id
                );
                held_out += 1;
            }
            if set.split == Split::TestOod {
                assert_eq!(hops, config.ood_hops);
            }
        }
    }
    assert!(held_out > 500, "test-id asks {held_out} held-out multi-hop questions");
}

#[test]
fn in_context_hops_answers_follow_the_links_the_question_states() {
    let config = HopsConfig::default();
    let mut per_hops = [0usize; 6];
    for split in [Split::Train, Split::TestId, Split::TestOod] {
        let set = HopsSet::new(config.clone(), 3, split, 400, 16).unwrap();
        for i in 0..set.len() {
            let item = set.get(i);
            // "n0 > n3 , n1 > n0 , … . start at n1 and follow 3 links . where do you end ?"
            let (links, ask) = item.question.split_once(" . ").unwrap();
            let next: std::collections::HashMap<&str, &str> =
                links.split(" , ").map(|l| l.split_once(" > ").unwrap()).collect();
            assert_eq!(next.len(), config.nodes);
            let words: Vec<&str> = ask.split(' ').collect();
            let hops: usize = words[5].parse().unwrap();
            let mut node = words[2];
            let mut visited = vec![node];
            for _ in 0..hops {
                node = next[node];
                visited.push(node);
            }
            assert_eq!(item.options[item.answer.unwrap()], node, "{}", item.id);
            assert_eq!(item.rationale.as_deref().unwrap(), visited.join(" to "));
            assert_eq!(item.task, format!("hops{hops}"));
            per_hops[hops] += 1;
        }
    }
    assert_eq!(per_hops[config.ood_hops], 400);
    for h in 1..=config.max_hops {
        assert!(
            per_hops[h] > 120,
            "hops {h}: {} of 800 in-distribution items",
            per_hops[h]
        );
    }
    let a = HopsSet::new(config.clone(), 3, Split::Train, 2, 16).unwrap();
    assert_ne!(
        a.get(0).question.split(" . ").next(),
        a.get(1).question.split(" . ").next(),
        "each item has its own links"
    );
}
