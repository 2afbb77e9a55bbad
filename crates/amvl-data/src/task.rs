//! Task families, splits and the ID/OOD setting.

use std::fmt;
use std::str::FromStr;

use crate::error::DataError;

/// The ten procedural task families, modelled on BLINK's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    Counting,
    SpatialRelation,
    RelativeDepth,
    RelativeReflectance,
    Jigsaw,
    VisualSimilarity,
    IqTest,
    ObjectLocalization,
    MultiView,
    VisualCorrespondence,
}

impl Task {
    /// Every task, in a fixed order.
    pub const ALL: [Task; 10] = [
        Task::Counting,
        Task::SpatialRelation,
        Task::RelativeDepth,
        Task::RelativeReflectance,
        Task::Jigsaw,
        Task::VisualSimilarity,
        Task::IqTest,
        Task::ObjectLocalization,
        Task::MultiView,
        Task::VisualCorrespondence,
    ];

    /// The snake_case name used in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Task::Counting => "counting",
            Task::SpatialRelation => "spatial_relation",
            Task::RelativeDepth => "relative_depth",
            Task::RelativeReflectance => "relative_reflectance",
            Task::Jigsaw => "jigsaw",
            Task::VisualSimilarity => "visual_similarity",
            Task::IqTest => "iq_test",
            Task::ObjectLocalization => "object_localization",
            Task::MultiView => "multi_view",
            Task::VisualCorrespondence => "visual_correspondence",
        }
    }

    /// How many images every item of the task has (each task draws a fixed set).
    pub fn image_count(self) -> usize {
        match self {
            Task::Counting
            | Task::SpatialRelation
            | Task::RelativeDepth
            | Task::RelativeReflectance
            | Task::ObjectLocalization => 1,
            Task::IqTest | Task::MultiView | Task::VisualCorrespondence => 2,
            Task::Jigsaw | Task::VisualSimilarity => 4,
        }
    }

    /// Parses a comma-separated list (`counting,jigsaw`); `all` or an empty string means every task.
    pub fn parse_list(s: &str) -> Result<Vec<Task>, DataError> {
        let s = s.trim();
        if s.is_empty() || s == "all" {
            return Ok(Task::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in s.split(',') {
            let t: Task = part.trim().parse()?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Task {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Task::ALL
            .iter()
            .copied()
            .find(|t| t.name() == s || t.name().replace('_', "-") == s)
            .ok_or_else(|| DataError::UnknownName {
                kind: "task",
                given: s.to_string(),
                expected: Task::ALL.map(|t| t.name()).join(", "),
            })
    }
}

/// Dataset splits. `train`, `val` and `test-id` share one (in-distribution) setting;
/// `test-ood` uses the shifted setting. No item is shared between splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    Train,
    Val,
    TestId,
    TestOod,
}

impl Split {
    pub const ALL: [Split; 4] = [Split::Train, Split::Val, Split::TestId, Split::TestOod];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::TestId => "test-id",
            Split::TestOod => "test-ood",
        }
    }

    /// The generation setting of the split.
    pub fn setting(self) -> Setting {
        match self {
            Split::TestOod => Setting::Ood,
            _ => Setting::Id,
        }
    }

    /// Which scene fingerprints belong to this split: `fingerprint % 20` must fall in this
    /// range. The ranges are disjoint, so no scene (hence no item) can be in two splits.
    pub(crate) fn bucket_range(self) -> std::ops::Range<u64> {
        match self {
            Split::Train => 0..16,
            Split::Val => 16..18,
            Split::TestId => 18..19,
            Split::TestOod => 19..20,
        }
    }

    pub(crate) const BUCKETS: u64 = 20;
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Split {
    type Err = DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "train" => Ok(Split::Train),
            "val" | "valid" | "validation" => Ok(Split::Val),
            "test-id" | "test_id" => Ok(Split::TestId),
            "test-ood" | "test_ood" => Ok(Split::TestOod),
            other => Err(DataError::UnknownName {
                kind: "split",
                given: other.to_string(),
                expected: "train, val, test-id, test-ood".into(),
            }),
        }
    }
}

/// In-distribution or out-of-distribution generation parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setting {
    Id,
    Ood,
}

impl Setting {
    pub fn is_ood(self) -> bool {
        self == Setting::Ood
    }
}
