use serde::{Deserialize, Serialize};

use crate::dataset::ItemSource;
use crate::error::DataError;
use crate::item::Item;
use crate::seed::{combine, splitmix64};
use crate::task::Split;

use super::{blank, split_stream};

const MAP_NAMES: [&str; 8] = ["red", "green", "blue", "gray", "pink", "brown", "black", "white"];

/// Where the links come from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum HopsMapping {
    /// Each item states its own random cycle in the question ("n0 > n3 , n1 > n0 , …"): every
    /// hop is a lookup in the context.
    #[default]
    InContext,
    /// `maps` fixed cycles learned from training items; test-id asks held-out compositions.
    Learned,
}

impl std::str::FromStr for HopsMapping {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "in_context" => Ok(Self::InContext),
            "learned" => Ok(Self::Learned),
            other => Err(DataError::Invalid(format!(
                "unknown hops mapping `{other}`; expected in_context or learned"
            ))),
        }
    }
}

/// Which nodes an item offers as options.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum HopsOptions {
    /// Four nodes in random order: the end, its near misses (one hop short, one hop long), any other.
    #[default]
    Four,
    /// Every node, in node order (`nodes` ≤ 8): the letter names the end node, so answering needs
    /// no matching of a node to its place among the options.
    AllNodes,
}

impl std::str::FromStr for HopsOptions {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "four" => Ok(Self::Four),
            "all_nodes" => Ok(Self::AllNodes),
            other => Err(DataError::Invalid(format!(
                "unknown hops options `{other}`; expected four or all_nodes"
            ))),
        }
    }
}

/// Pointer chasing: follow `hops` links of a random cycle over `nodes` nodes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct HopsConfig {
    pub mapping: HopsMapping,
    pub nodes: usize,
    pub options: HopsOptions,
    /// Learned maps only: how many.
    pub maps: usize,
    /// Hops in distribution (train, val, test-id): 1..=max_hops.
    pub max_hops: usize,
    /// Hops of test-ood.
    pub ood_hops: usize,
    /// Learned maps only: share (in %) of the (map, start, hops ≥ 2) questions kept out of
    /// training; test-id asks only those (and one-hop questions), so that an answer there is a composition, not a memorised question.
    pub holdout_percent: u64,
}

impl Default for HopsConfig {
    fn default() -> Self {
        Self {
            mapping: HopsMapping::InContext,
            nodes: 6,
            options: HopsOptions::Four,
            maps: 2,
            max_hops: 4,
            ood_hops: 5,
            holdout_percent: 30,
        }
    }
}

impl HopsConfig {
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |m: String| Err(DataError::Invalid(m));
        if self.nodes < 4 {
            return bad(format!("hops: nodes = {} but four options need at least 4", self.nodes));
        }
        if self.options == HopsOptions::AllNodes && self.nodes > crate::item::MAX_OPTIONS {
            return bad(format!(
                "hops: options = all_nodes needs nodes ≤ {}, not {}",
                crate::item::MAX_OPTIONS,
                self.nodes
            ));
        }
        if self.maps == 0 || self.maps > MAP_NAMES.len() {
            return bad(format!("hops: maps = {} must be in 1..={}", self.maps, MAP_NAMES.len()));
        }
        if self.max_hops == 0 || self.ood_hops == 0 || self.holdout_percent > 100 {
            return bad("hops: max_hops and ood_hops must be positive, holdout_percent ≤ 100".into());
        }
        Ok(())
    }
}

/// One hops question: follow `hops` links of map `map` from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HopsQuestion {
    pub map: usize,
    pub start: usize,
    pub hops: usize,
}

/// The hops items of one split; `get(i)` is a pure function of (seed, split, i).
#[derive(Clone, Debug)]
pub struct HopsSet {
    pub config: HopsConfig,
    pub seed: u64,
    pub split: Split,
    pub len: usize,
    pub image_size: u32,
    /// `successor[map][node]`: each map is one cycle through all nodes.
    successor: Vec<Vec<usize>>,
}

impl HopsSet {
    pub fn new(config: HopsConfig, seed: u64, split: Split, len: usize, image_size: u32) -> Result<Self, DataError> {
        config.validate()?;
        let successor = (0..config.maps)
            .map(|m| random_cycle(config.nodes, &[seed, 0x4D41_5053, m as u64]))
            .collect();
        Ok(Self {
            config,
            seed,
            split,
            len,
            image_size,
            successor,
        })
    }

    /// The links item `i` follows: its own cycle (in context) or its map's.
    pub fn links(&self, i: usize, q: HopsQuestion) -> Vec<usize> {
        match self.config.mapping {
            HopsMapping::Learned => self.successor[q.map].clone(),
            HopsMapping::InContext => random_cycle(
                self.config.nodes,
                &[self.seed, split_stream(self.split), i as u64, 0x4C49_4E4B],
            ),
        }
    }

    /// The nodes visited from `q.start` along `links`, `q.hops + 1` of them (start first, answer last).
    pub fn path(links: &[usize], q: HopsQuestion) -> Vec<usize> {
        let mut path = vec![q.start];
        for _ in 0..q.hops {
            path.push(links[*path.last().expect("path starts with the start")]);
        }
        path
    }

    /// Whether a question is kept out of training (and asked by test-id); learned maps only.
    pub fn held_out(&self, q: HopsQuestion) -> bool {
        self.config.mapping == HopsMapping::Learned
            && q.hops >= 2
            && splitmix64(combine(&[
                self.seed,
                0x484F_4C44,
                q.map as u64,
                q.start as u64,
                q.hops as u64,
            ])) % 100
                < self.config.holdout_percent
    }

    /// The question of item `i`, drawn until it belongs to this split.
    pub fn question(&self, i: usize) -> HopsQuestion {
        let c = &self.config;
        let hops = match self.split {
            Split::TestOod => c.ood_hops,
            _ => {
                1 + (splitmix64(combine(&[self.seed, split_stream(self.split), i as u64, 0x484F_5053]))
                    % c.max_hops as u64) as usize
            }
        };
        for attempt in 0u64.. {
            let r = |salt: u64| splitmix64(combine(&[self.seed, split_stream(self.split), i as u64, attempt, salt]));
            let q = HopsQuestion {
                map: (r(2) % c.maps as u64) as usize,
                start: (r(3) % c.nodes as u64) as usize,
                hops,
            };
            let fits = match self.split {
                Split::Train | Split::Val => !self.held_out(q),
                Split::TestId => hops == 1 || self.config.mapping == HopsMapping::InContext || self.held_out(q),
                Split::TestOod => true,
            };
            if fits {
                return q;
            }
        }
        unreachable!("the loop returns or runs forever")
    }

    pub fn get(&self, i: usize) -> Item {
        let q = self.question(i);
        let links = self.links(i, q);
        let path = Self::path(&links, q);
        let end = *path.last().expect("non-empty path");
        let options = match self.config.options {
            HopsOptions::AllNodes => (0..self.config.nodes).collect(),
            HopsOptions::Four => self.four_options(i, &links, &path),
        };
        let answer = options.iter().position(|&o| o == end).expect("the end is an option");
        let name = |n: usize| format!("n{n}");
        let noun = if q.hops == 1 { "link" } else { "links" };
        Item {
            id: format!("hops-{}-{i}", self.split),
            task: format!("hops{}", q.hops),
            images: vec![blank(self.image_size)],
            question: match self.config.mapping {
                HopsMapping::Learned => format!(
                    "start at {} and follow {} {} {noun} . where do you end ?",
                    name(q.start),
                    q.hops,
                    MAP_NAMES[q.map]
                ),
                HopsMapping::InContext => format!(
                    "{} . start at {} and follow {} {noun} . where do you end ?",
                    links
                        .iter()
                        .enumerate()
                        .map(|(a, &b)| format!("{} > {}", name(a), name(b)))
                        .collect::<Vec<_>>()
                        .join(" , "),
                    name(q.start),
                    q.hops
                ),
            },
            options: options.into_iter().map(name).collect(),
            answer: Some(answer),
            rationale: Some(path.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" to ")),
            probes: (1..q.hops).map(|k| (format!("hop{k}"), path[k])).collect(),
        }
    }
}

impl HopsSet {
    /// The end, its near misses (one hop short, one hop long), then any other node, shuffled.
    fn four_options(&self, i: usize, links: &[usize], path: &[usize]) -> Vec<usize> {
        let end = *path.last().expect("non-empty path");
        let mut options = vec![end];
        let before = path[path.len() - 2];
        let after = links[end];
        for candidate in [before, after] {
            if !options.contains(&candidate) {
                options.push(candidate);
            }
        }
        let r = |salt: u64| {
            splitmix64(combine(&[
                self.seed,
                split_stream(self.split),
                i as u64,
                0x4F50_5453,
                salt,
            ]))
        };
        let mut salt = 0;
        while options.len() < 4 {
            let node = (r(salt) % self.config.nodes as u64) as usize;
            if !options.contains(&node) {
                options.push(node);
            }
            salt += 1;
        }
        for k in (1..options.len()).rev() {
            let j = (r(100 + k as u64) % (k as u64 + 1)) as usize;
            options.swap(k, j);
        }
        options
    }
}

impl ItemSource for HopsSet {
    fn len(&self) -> usize {
        self.len
    }
    fn item(&self, i: usize) -> Result<Item, DataError> {
        if i >= self.len {
            return Err(DataError::out_of_range(i, self.len));
        }
        Ok(self.get(i))
    }
    fn describe(&self) -> String {
        let c = &self.config;
        format!(
            "hops {} seed {}, {} items, {:?} links, {} nodes, hops 1..={} (ood {})",
            self.split, self.seed, self.len, c.mapping, c.nodes, c.max_hops, c.ood_hops
        )
    }
}

/// A random cycle through `n` nodes as a successor table, seeded by `key`.
fn random_cycle(n: usize, key: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let mut k = key.to_vec();
        k.push(i as u64);
        let j = (splitmix64(combine(&k)) % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut next = vec![0; n];
    for (i, &node) in order.iter().enumerate() {
        next[node] = order[(i + 1) % n];
    }
    next
}
