//! The task generators. Each one lives in its own file and provides:
//! - a `Scene`: the full description of one item (normalised coordinates, so it is independent
//!   of the rendering size);
//! - `sample`: draws a scene for a setting (ID/OOD) with the right option at a given slot;
//! - `render`: draws the images from the scene alone;
//! - `describe`: question, options, answer and rationale from the scene;
//! - `oracle`: answers the item from the scene description alone, by an independent route
//!   (counting objects, intersecting geometry, projecting points…), used by the tests to prove
//!   every label right;
//! - `shift_value`: the declared parameter that differs between ID and OOD (see [`ShiftSpec`]).

pub(crate) mod common;
pub mod counting;
pub mod iq_test;
pub mod jigsaw;
pub mod multi_view;
pub mod object_localization;
pub mod relative_depth;
pub mod relative_reflectance;
pub mod spatial_relation;
pub mod visual_correspondence;
pub mod visual_similarity;

use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::item::Item;
use crate::seed::{combine, hash_bytes};
use crate::task::{Setting, Split, Task};

/// The random generator every task samples from.
pub type Rng = ChaCha8Rng;

/// Question, options, answer and rationale of one item.
#[derive(Clone, Debug, PartialEq)]
pub struct Described {
    pub question: String,
    pub options: Vec<String>,
    pub answer: usize,
    pub rationale: String,
}

/// The parameter a task's OOD setting shifts, and the ranges it takes in each setting
/// (closed intervals; the ID and OOD ranges do not overlap).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShiftSpec {
    /// Name of the parameter, as in README.
    pub parameter: &'static str,
    /// Range of the parameter in the ID splits (train, val, test-id).
    pub id: (f32, f32),
    /// Range of the parameter in test-ood.
    pub ood: (f32, f32),
    /// One line for README: what else shifts.
    pub summary: &'static str,
}

impl ShiftSpec {
    /// The range for a setting.
    pub fn range(&self, setting: Setting) -> (f32, f32) {
        match setting {
            Setting::Id => self.id,
            Setting::Ood => self.ood,
        }
    }
}

/// What each task file implements.
pub(crate) trait Generator {
    type Scene: std::fmt::Debug + Clone + PartialEq;
    /// Number of options of every item of the task.
    const N_OPTIONS: usize;
    /// The declared ID/OOD shift.
    const SHIFT: ShiftSpec;
    /// Draws a scene whose right option is at index `answer`.
    fn sample(rng: &mut Rng, setting: Setting, answer: usize) -> Self::Scene;
    /// Draws the item's images at `size` pixels (the reference image is `size × size`).
    fn render(scene: &Self::Scene, size: u32) -> Vec<RgbImage>;
    /// Question, options, answer and rationale.
    fn describe(scene: &Self::Scene) -> Described;
    /// The answer index, computed from the scene description alone.
    fn oracle(scene: &Self::Scene) -> usize;
    /// The value of the shifted parameter ([`ShiftSpec::parameter`]) for this scene.
    fn shift_value(scene: &Self::Scene) -> f32;
}

macro_rules! scenes {
    ($( $variant:ident => $module:ident ),* $(,)?) => {
        /// The description of one generated item, for any task.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Scene {
            $( $variant($module::Scene), )*
        }

        impl Scene {
            /// The task this scene belongs to.
            pub fn task(&self) -> Task {
                match self { $( Scene::$variant(_) => Task::$variant, )* }
            }
            /// The oracle's answer index.
            pub fn oracle(&self) -> usize {
                match self { $( Scene::$variant(s) => <$module::Gen as Generator>::oracle(s), )* }
            }
            /// Value of the task's shifted parameter.
            pub fn shift_value(&self) -> f32 {
                match self { $( Scene::$variant(s) => <$module::Gen as Generator>::shift_value(s), )* }
            }
            /// Question, options, answer and rationale.
            pub fn describe(&self) -> Described {
                match self { $( Scene::$variant(s) => <$module::Gen as Generator>::describe(s), )* }
            }
            /// The images at `size` px.
            pub fn render(&self, size: u32) -> Vec<RgbImage> {
                match self { $( Scene::$variant(s) => <$module::Gen as Generator>::render(s, size), )* }
            }
        }

        impl Task {
            /// The declared ID/OOD shift of the task.
            pub fn shift(self) -> ShiftSpec {
                match self { $( Task::$variant => <$module::Gen as Generator>::SHIFT, )* }
            }
            /// Number of options of the task's items.
            pub fn n_options(self) -> usize {
                match self { $( Task::$variant => <$module::Gen as Generator>::N_OPTIONS, )* }
            }
            fn sample_scene(self, rng: &mut Rng, setting: Setting, answer: usize) -> Scene {
                match self { $( Task::$variant => Scene::$variant(<$module::Gen as Generator>::sample(rng, setting, answer)), )* }
            }
        }
    };
}

scenes! {
    Counting => counting,
    SpatialRelation => spatial_relation,
    RelativeDepth => relative_depth,
    RelativeReflectance => relative_reflectance,
    Jigsaw => jigsaw,
    VisualSimilarity => visual_similarity,
    IqTest => iq_test,
    ObjectLocalization => object_localization,
    MultiView => multi_view,
    VisualCorrespondence => visual_correspondence,
}

impl Scene {
    /// A stable fingerprint of the whole description (used to assign scenes to splits).
    pub fn fingerprint(&self) -> u64 {
        hash_bytes(format!("{self:?}").as_bytes())
    }
}

fn split_word(split: Split) -> u64 {
    hash_bytes(split.name().as_bytes())
}

fn task_word(task: Task) -> u64 {
    hash_bytes(task.name().as_bytes())
}

/// The answer slot of item `index`: within each block of `n` consecutive indices the slots are
/// a seeded permutation of `0..n`, so letters are exactly balanced per task over whole blocks.
pub fn answer_slot(seed: u64, split: Split, task: Task, index: u64) -> usize {
    let n = task.n_options() as u64;
    let block = index / n;
    let mut rng = Rng::seed_from_u64(combine(&[seed, split_word(split), task_word(task), block, 0xB10C]));
    let mut perm: Vec<usize> = (0..n as usize).collect();
    perm.shuffle(&mut rng);
    perm[(index % n) as usize]
}

/// Generates the scene of item `index` of `task` in `split`: a pure function of its arguments.
///
/// Scenes are drawn until their fingerprint falls in the split's bucket range
/// (see `Split::bucket_range`), which makes the splits disjoint by construction.
pub fn generate_scene(seed: u64, split: Split, task: Task, index: u64) -> Scene {
    let answer = answer_slot(seed, split, task, index);
    let mut rng = Rng::seed_from_u64(combine(&[seed, split_word(split), task_word(task), index]));
    let range = split.bucket_range();
    loop {
        let scene = task.sample_scene(&mut rng, split.setting(), answer);
        if range.contains(&(scene.fingerprint() % Split::BUCKETS)) {
            return scene;
        }
    }
}

/// The stable item id: `task-split-index`.
pub fn item_id(task: Task, split: Split, index: u64) -> String {
    format!("{}-{}-{:06}", task.name(), split.name(), index)
}

/// Generates one item (and its scene) at `size` pixels.
pub fn generate(seed: u64, split: Split, task: Task, index: u64, size: u32) -> (Item, Scene) {
    let scene = generate_scene(seed, split, task, index);
    let d = scene.describe();
    let item = Item {
        id: item_id(task, split, index),
        task: task.name().to_string(),
        images: scene.render(size),
        question: d.question,
        options: d.options,
        answer: Some(d.answer),
        rationale: Some(d.rationale),
        probes: Default::default(),
    };
    (item, scene)
}
