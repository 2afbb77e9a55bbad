//! The procedural suite as a dataset: `get(i)` is a pure function of
//! (suite seed, split, task, index); nothing is stored.

use crate::item::Item;
use crate::task::{Split, Task};
use crate::tasks::{self, Scene};

/// Default side of generated images, in pixels.
pub const DEFAULT_IMAGE_SIZE: u32 = 64;

/// A split of the procedural suite: `len_per_task` items for each task, interleaved
/// (item `i` belongs to task `tasks[i % tasks.len()]`, index `i / tasks.len()` within it).
#[derive(Clone, Debug)]
pub struct SuiteDataset {
    seed: u64,
    split: Split,
    tasks: Vec<Task>,
    len_per_task: usize,
    image_size: u32,
}

impl SuiteDataset {
    /// A split of the suite. An empty `tasks` means every task; `image_size` is clamped to at
    /// least 16 px.
    pub fn new(seed: u64, split: Split, tasks: Vec<Task>, len_per_task: usize, image_size: u32) -> Self {
        let tasks = if tasks.is_empty() { Task::ALL.to_vec() } else { tasks };
        Self {
            seed,
            split,
            tasks,
            len_per_task,
            image_size: image_size.max(16),
        }
    }

    pub fn len(&self) -> usize {
        self.tasks.len() * self.len_per_task
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn split(&self) -> Split {
        self.split
    }

    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    pub fn image_size(&self) -> u32 {
        self.image_size
    }

    /// Task and per-task index of item `i`.
    pub fn locate(&self, i: usize) -> (Task, u64) {
        let n = self.tasks.len();
        (self.tasks[i % n], (i / n) as u64)
    }

    /// Item `i`. Panics if `i >= len()`, like slice indexing.
    pub fn get(&self, i: usize) -> Item {
        self.get_with_scene(i).0
    }

    /// Item `i` with its scene description (for oracles and diagnostics).
    pub fn get_with_scene(&self, i: usize) -> (Item, Scene) {
        assert!(
            i < self.len(),
            "index {i} out of range for a suite split of {} items",
            self.len()
        );
        let (task, index) = self.locate(i);
        tasks::generate(self.seed, self.split, task, index, self.image_size)
    }

    /// Scene `i` only, without rendering (cheap).
    pub fn scene(&self, i: usize) -> Scene {
        assert!(
            i < self.len(),
            "index {i} out of range for a suite split of {} items",
            self.len()
        );
        let (task, index) = self.locate(i);
        tasks::generate_scene(self.seed, self.split, task, index)
    }

    /// The question, options and rationale text of item `i`, without rendering images.
    pub fn text(&self, i: usize) -> String {
        let d = self.scene(i).describe();
        let item = Item {
            id: String::new(),
            task: String::new(),
            images: vec![],
            question: d.question,
            options: d.options,
            answer: Some(d.answer),
            rationale: Some(d.rationale),
            probes: Default::default(),
        };
        format!("{} {}", item.prompt(), item.rationale.unwrap_or_default())
    }
}
