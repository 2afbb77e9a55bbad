//! The objective ablation as a grid of runs (`cargo xtask experiment`) and its report: [`grid`]
//! trains and evaluates every variant × seed as a run folder (resumably), [`aggregate`] takes
//! mean ± std over seeds, [`report`] writes `report.json` and `report.md`, and [`plots`] draws
//! the PNG figures (with the vendored DejaVu font in `fonts/`).

pub mod aggregate;
pub mod error;
pub mod grid;
pub mod plots;
pub mod report;

pub use aggregate::{
    CONTROLS, Curve, PRIOR_MEAN, RunSummary, SplitStats, SplitSummary, Stat, VariantSummary, aggregate, mean_curve,
    run_summary, split_summary,
};
pub use error::{ExperimentError, PlotError, ReportError, SeedsError};
pub use grid::{
    Cell, CellOutcome, EvalAction, ExperimentOutcome, ExperimentPlan, Seeds, TrainAction, build_report, run_cell,
    run_experiment,
};
pub use report::{ExperimentReport, REPORT_JSON, REPORT_MD, ReportFiles, format_utc, markdown, now_utc, write_report};
