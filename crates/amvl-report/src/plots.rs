//! The experiment's PNG plots, drawn with plotters into a pixel buffer and encoded by `image`.
//! Text uses DejaVu Sans Mono, compiled in (`fonts/`), so no system font is needed.

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

use crate::aggregate::{CONTROLS, PRIOR_MEAN, Stat, VariantSummary};
use crate::error::PlotError;
use crate::report::{ExperimentReport, split_title};
use amvl_train::atomic::write_atomic;

pub const CURVES_PNG: &str = "curves.png";
pub const ACCURACY_PNG: &str = "accuracy.png";
pub const KL_PNG: &str = "kl.png";
pub const LEAKAGE_CONTROLS_PNG: &str = "leakage_controls.png";
pub const DIAGNOSTICS_PNG: &str = "diagnostics.png";

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSansMono.ttf");

type Draw = Result<(), Box<dyn Error>>;
type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Registers the compiled-in font once.
fn font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// tab10, then repeated.
fn color(i: usize) -> RGBColor {
    const C: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = C[i % C.len()];
    RGBColor(r, g, b)
}

/// Draws into a `w`×`h` buffer and writes it to `path` as PNG.
fn render(path: &Path, (w, h): (u32, u32), draw: impl FnOnce(&Area<'_>) -> Draw) -> Result<(), PlotError> {
    font()?;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let drawing = |e: &dyn std::fmt::Display| PlotError::Draw(e.to_string());
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| drawing(&e))?;
        draw(&root).map_err(|e| drawing(&e))?;
        root.present().map_err(|e| drawing(&e))?;
    }
    let mut png = Vec::new();
    PngEncoder::new(&mut png).write_image(&buf, w, h, ExtendedColorType::Rgb8)?;
    write_atomic(path, &png).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// All four plots into `dir`: (file name, result).
pub fn draw_all(dir: &Path, report: &ExperimentReport) -> Vec<(&'static str, Result<(), PlotError>)> {
    vec![
        (
            CURVES_PNG,
            render(&dir.join(CURVES_PNG), (1500, 560), |a| curves(a, report)),
        ),
        (
            ACCURACY_PNG,
            render(&dir.join(ACCURACY_PNG), (1400, 620), |a| accuracy(a, report)),
        ),
        (KL_PNG, render(&dir.join(KL_PNG), (1100, 560), |a| kl(a, report))),
        (
            LEAKAGE_CONTROLS_PNG,
            render(&dir.join(LEAKAGE_CONTROLS_PNG), (1400, 620), |a| {
                leakage_controls(a, report)
            }),
        ),
        (
            DIAGNOSTICS_PNG,
            render(&dir.join(DIAGNOSTICS_PNG), (2000, 1000), |a| diagnostics(a, report)),
        ),
    ]
}

fn text_style(size: i32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// A legend: one coloured marker and name per entry, top-down from the area's top-left.
fn legend(area: &Area<'_>, title: &str, entries: &[(String, RGBColor)], bars: bool) -> Draw {
    area.draw(&Text::new(title.to_string(), (8, 50), text_style(15)))?;
    for (i, (name, c)) in entries.iter().enumerate() {
        let y = 80 + 24 * i as i32;
        if bars {
            area.draw(&Rectangle::new([(10, y - 7), (28, y + 7)], c.filled()))?;
        } else {
            area.draw(&PathElement::new(vec![(8, y), (32, y)], c.stroke_width(3)))?;
        }
        area.draw(&Text::new(
            name.clone(),
            (40, y),
            text_style(14).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// (min, max) of the finite values, padded; a unit range around a single value.
fn padded_range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if include_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= 1e-12 {
        let d = hi.abs().max(1.0) * 0.1;
        return (lo - d, hi + d);
    }
    let pad = span * 0.08;
    (
        if include_zero && lo >= 0.0 { 0.0 } else { lo - pad },
        if include_zero && hi <= 0.0 { 0.0 } else { hi + pad },
    )
}

fn step_range(variants: &[VariantSummary]) -> (f64, f64) {
    let max = variants
        .iter()
        .flat_map(|v| v.curve.step.iter())
        .copied()
        .max()
        .unwrap_or(1) as f64;
    (0.0, max.max(1.0))
}

/// Lines of one curve field per variant on `area`.
fn line_chart(
    area: &Area<'_>,
    title: &str,
    y_desc: &str,
    variants: &[VariantSummary],
    field: fn(&VariantSummary) -> &Vec<f64>,
    shown: fn(&VariantSummary) -> bool,
) -> Draw {
    let (x0, x1) = step_range(variants);
    let (y0, y1) = padded_range(
        variants
            .iter()
            .filter(|v| shown(v))
            .flat_map(|v| field(v).iter().copied()),
        false,
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, text_style(20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("step")
        .x_label_formatter(&|x| {
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x}")
            }
        })
        .y_desc(y_desc)
        .label_style(text_style(13))
        .axis_desc_style(text_style(15))
        .light_line_style(RGBColor(246, 246, 246))
        .draw()?;
    for (i, v) in variants.iter().enumerate() {
        if !shown(v) {
            continue;
        }
        let points: Vec<(f64, f64)> = v
            .curve
            .step
            .iter()
            .zip(field(v))
            .filter(|(_, y)| y.is_finite())
            .map(|(&s, &y)| (s as f64, y))
            .collect();
        if points.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(points[0], 4, color(i).filled())))?;
        } else {
            chart.draw_series(LineSeries::new(points, color(i).stroke_width(2)))?;
        }
    }
    Ok(())
}

fn variant_entries(report: &ExperimentReport, shown: fn(&VariantSummary) -> bool) -> Vec<(String, RGBColor)> {
    report
        .variants
        .iter()
        .enumerate()
        .filter(|(_, v)| shown(v))
        .map(|(i, v)| (format!("{} (n={})", v.variant, v.seeds.len()), color(i)))
        .collect()
}

fn curves(root: &Area<'_>, report: &ExperimentReport) -> Draw {
    let (plots, side) = root.split_horizontally(root.dim_in_pixel().0 - 260);
    let (left, right) = plots.split_horizontally(plots.dim_in_pixel().0 / 2);
    let all = |_: &VariantSummary| true;
    line_chart(
        &left,
        "Total loss (mean over seeds)",
        "loss",
        &report.variants,
        |v| &v.curve.total,
        all,
    )?;
    line_chart(
        &right,
        "Next-token loss (mean over seeds)",
        "NTP loss",
        &report.variants,
        |v| &v.curve.ntp,
        all,
    )?;
    legend(&side, "variant", &variant_entries(report, all), false)
}

fn kl(root: &Area<'_>, report: &ExperimentReport) -> Draw {
    let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 - 260);
    // Variants without a latent (no_latent) have no KL to show.
    let latent = |v: &VariantSummary| v.final_kl_qp.is_some();
    line_chart(
        &plot,
        "KL(q||p) during training (sum over slots, mean over seeds)",
        "KL(q||p) [nats]",
        &report.variants,
        |v| &v.curve.kl_qp,
        latent,
    )?;
    legend(&side, "variant", &variant_entries(report, latent), false)
}

/// The logged diagnostics over training: KL(q‖p)'s two parts, σ of each head, the prior's
/// per-item signal, and each loss term's gradient norm on the trunk.
fn diagnostics(root: &Area<'_>, report: &ExperimentReport) -> Draw {
    type Field = fn(&VariantSummary) -> &Vec<f64>;
    let (plots, side) = root.split_horizontally(root.dim_in_pixel().0 - 260);
    let panels: [(&str, &str, Field); 8] = [
        ("KL(q||p): mean part", "nats", |v| &v.curve.diagnostics.kl_mean_part),
        ("KL(q||p): variance part", "nats", |v| &v.curve.diagnostics.kl_var_part),
        ("posterior sigma (mean over slots)", "sigma_q", |v| {
            &v.curve.diagnostics.sigma_q
        }),
        ("prior sigma (mean over slots)", "sigma_p", |v| {
            &v.curve.diagnostics.sigma_p
        }),
        ("prior per-item signal", "Var(mu_p) / E[sigma_p^2]", |v| {
            &v.curve.diagnostics.prior_signal
        }),
        ("|grad| of NTP on the trunk", "L2 norm", |v| {
            &v.curve.diagnostics.grad_ntp
        }),
        ("|grad| of beta*forward KL on the trunk", "L2 norm", |v| {
            &v.curve.diagnostics.grad_forward
        }),
        ("|grad| of gamma*reverse KL on the trunk", "L2 norm", |v| {
            &v.curve.diagnostics.grad_reverse
        }),
    ];
    let areas = plots.split_evenly((2, 4));
    let any = |v: &VariantSummary| v.curve.diagnostics.grad_ntp.iter().any(|g| g.is_finite());
    for (area, (title, y, field)) in areas.iter().zip(panels) {
        line_chart(area, title, y, &report.variants, field, any)?;
    }
    legend(&side, "variant", &variant_entries(report, any), false)
}

/// Grouped bars: one group per variant, one bar per series; `values[series][variant]`.
fn grouped_bars(
    root: &Area<'_>,
    title: &str,
    y_desc: &str,
    groups: &[String],
    series: &[(String, RGBColor)],
    values: &[Vec<Option<Stat>>],
    include_zero: bool,
    reference: Option<(f64, String)>,
) -> Draw {
    let (plot, side) = root.split_horizontally(root.dim_in_pixel().0 - 230);
    let n = groups.len().max(1);
    let all = values
        .iter()
        .flatten()
        .flatten()
        .flat_map(|s| [s.mean - s.std, s.mean + s.std]);
    let (mut y0, mut y1) = padded_range(all.chain(reference.iter().map(|r| r.0)), include_zero);
    if !include_zero {
        y0 = y0.min(0.0);
    }
    y1 = y1.max(y0 + 1e-6);
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, text_style(20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..n as f64, y0..y1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_desc(y_desc)
        .label_style(text_style(13))
        .axis_desc_style(text_style(15))
        .light_line_style(RGBColor(246, 246, 246))
        .draw()?;
    let k = series.len().max(1) as f64;
    let width = 0.8 / k;
    for (j, (_, c)) in series.iter().enumerate() {
        let c = *c;
        let bars = values[j].iter().enumerate().filter_map(|(i, s)| {
            let s = (*s)?;
            let x = i as f64 + 0.1 + j as f64 * width;
            Some(Rectangle::new(
                [(x + 0.05 * width, 0f64.max(y0)), (x + 0.95 * width, s.mean)],
                c.filled(),
            ))
        });
        chart.draw_series(bars)?;
        let errors = values[j].iter().enumerate().filter_map(|(i, s)| {
            let s = (*s)?;
            (s.n > 1).then(|| {
                let x = i as f64 + 0.1 + (j as f64 + 0.5) * width;
                ErrorBar::new_vertical(x, s.mean - s.std, s.mean, s.mean + s.std, BLACK.stroke_width(1), 8)
            })
        });
        chart.draw_series(errors)?;
    }
    if y0 < 0.0 {
        chart.draw_series(LineSeries::new(
            vec![(0.0, 0.0), (n as f64, 0.0)],
            BLACK.stroke_width(1),
        ))?;
    }
    let mut entries = series.to_vec();
    if let Some((level, label)) = &reference {
        let grey = RGBColor(90, 90, 90);
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, *level), (n as f64, *level)],
            8,
            6,
            grey.stroke_width(2),
        ))?;
        entries.push((label.clone(), grey));
    }
    for (i, name) in groups.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, y0));
        root.draw(&Text::new(
            name.clone(),
            (px, py + 8),
            text_style(13).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        if values.iter().all(|row| row.get(i).copied().flatten().is_none()) {
            let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0f64.max(y0)));
            let grey = text_style(14).color(&RGBColor(120, 120, 120));
            root.draw(&Text::new(
                "n/a",
                (px, py - 24),
                grey.pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }
    }
    legend(&side, "", &entries, true)
}

fn accuracy(root: &Area<'_>, report: &ExperimentReport) -> Draw {
    let groups: Vec<String> = report.variants.iter().map(|v| v.variant.clone()).collect();
    let series: Vec<(String, RGBColor)> = report
        .splits
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{} acc", split_title(s)), color(i)))
        .collect();
    let pct = |s: Stat| Stat {
        mean: 100.0 * s.mean,
        std: 100.0 * s.std,
        n: s.n,
    };
    let values: Vec<Vec<Option<Stat>>> = report
        .splits
        .iter()
        .map(|s| {
            report
                .variants
                .iter()
                .map(|v| v.accuracy(s, PRIOR_MEAN).map(pct))
                .collect()
        })
        .collect();
    let chance = report.splits.first().and_then(|s| {
        let c = report
            .variants
            .iter()
            .find_map(|v| v.splits.get(s).and_then(|x| x.chance))?;
        Some((100.0 * c.mean, format!("chance ({})", split_title(s))))
    });
    grouped_bars(
        root,
        "Accuracy, z = prior mean (mean +- std over seeds)",
        "accuracy [%]",
        &groups,
        &series,
        &values,
        true,
        chance,
    )
}

fn leakage_controls(root: &Area<'_>, report: &ExperimentReport) -> Draw {
    let split = report.splits.first().cloned().unwrap_or_default();
    let groups: Vec<String> = report.variants.iter().map(|v| v.variant.clone()).collect();
    let mut series = vec![("leakage gap".to_string(), color(3))];
    let mut values: Vec<Vec<Option<Stat>>> = vec![
        report
            .variants
            .iter()
            .map(|v| v.splits.get(&split).and_then(|s| s.leakage_gap))
            .collect(),
    ];
    for (i, c) in CONTROLS.iter().enumerate() {
        series.push((format!("drop: {c}"), color([0, 1, 2, 4][i])));
        values.push(
            report
                .variants
                .iter()
                .map(|v| v.splits.get(&split).and_then(|s| s.drops.get(*c).copied()))
                .collect(),
        );
    }
    let pp = |s: Stat| Stat {
        mean: 100.0 * s.mean,
        std: 100.0 * s.std,
        n: s.n,
    };
    let values: Vec<Vec<Option<Stat>>> = values
        .into_iter()
        .map(|row| row.into_iter().map(|s| s.map(pp)).collect())
        .collect();
    grouped_bars(
        root,
        &format!(
            "Leakage gap and control drops, {} (pp, mean +- std)",
            split_title(&split)
        ),
        "percentage points",
        &groups,
        &series,
        &values,
        true,
        None,
    )
}
