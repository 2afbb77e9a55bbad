//! Item sets built to test the latent block rather than perception: one constant blank image,
//! a textual question, four options, the answer letter as the only decoded target.
//!
//! - [`ChannelSet`]: the answer is drawn at random, so only y knows it — a posterior that can
//!   pass it through z is the one way to predict it (tests the channel itself).
//! - [`HopsSet`]: pointer chasing. By default each question states its own random cycle
//!   ("n0 > n3 , n1 > n0 , … . start at n1 and follow 3 links"), so h hops are h lookups in the
//!   context; with [`HopsMapping::Learned`] the maps are fixed and learned from training items.
//!   The rationale lists the visited nodes (what a teacher posterior can read, and what probes
//!   look for in the slots).

mod channel;
mod export;
mod hops;

pub use channel::ChannelSet;
pub use export::{LatentTaskExport, export_latent_task};
pub use hops::{HopsConfig, HopsMapping, HopsOptions, HopsQuestion, HopsSet};

use image::RgbImage;

use crate::task::Split;

/// Which latent-task set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatentTask {
    Channel,
    Hops,
}

impl std::str::FromStr for LatentTask {
    type Err = crate::error::DataError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "channel" => Ok(LatentTask::Channel),
            "hops" => Ok(LatentTask::Hops),
            other => Err(crate::error::DataError::Invalid(format!(
                "unknown latent task `{other}`; expected channel or hops"
            ))),
        }
    }
}

/// The blank image every item of these sets shows.
fn blank(size: u32) -> RgbImage {
    RgbImage::from_pixel(size, size, image::Rgb([128, 128, 128]))
}

/// A per-split stream id, so that splits never share items.
fn split_stream(split: Split) -> u64 {
    match split {
        Split::Train => 1,
        Split::Val => 2,
        Split::TestId => 3,
        Split::TestOod => 4,
    }
}
