//! Progress output: Burn's terminal dashboard (burn-train's TUI) when stdout is a terminal,
//! plain periodic lines otherwise (CI, pipes). Quitting the dashboard stops the run after a
//! checkpoint; `--resume` continues it.

use amvl::burn::train::Interrupter;
use amvl::burn::train::logger::TrainingProgressLogger;
use amvl::burn::train::metric::{
    MetricAttributes, MetricDefinition, MetricEntry, MetricId, NumericAttributes, NumericEntry, SerializedEntry,
};
use amvl::burn::train::renderer::tui::TuiMetricsRendererWrapper;
use amvl::burn::train::renderer::{MetricState, MetricsRenderer, MetricsRendererTraining};
use amvl_train::{LinePrinter, Progress, StepRecord};
use std::io::IsTerminal;
use std::sync::Arc;

/// The metrics shown, with their unit and whether higher is better.
const METRICS: [(&str, &str, bool); 8] = [
    ("Loss", "", false),
    ("NTP", "nats", false),
    ("Forward KL", "nats", false),
    ("Reverse KL", "nats", false),
    ("Beta", "", true),
    ("Gamma", "", true),
    ("Learning rate", "", true),
    ("Samples/s", "", true),
];

fn values(record: &StepRecord) -> [f64; 8] {
    [
        record.total,
        record.ntp,
        record.forward,
        record.reverse,
        record.beta,
        record.gamma,
        record.lr,
        record.samples_per_second,
    ]
}

/// Burn's TUI, fed from our explicit loop.
pub struct Dashboard {
    renderer: Option<TuiMetricsRendererWrapper>,
    interrupter: Interrupter,
    /// Messages that arrive while the dashboard owns the terminal, printed when it closes.
    held: Vec<String>,
}

impl Dashboard {
    fn new() -> Self {
        Self {
            renderer: None,
            interrupter: Interrupter::new(),
            held: Vec::new(),
        }
    }

    fn renderer(&mut self, total_steps: u64) -> &mut TuiMetricsRendererWrapper {
        let interrupter = self.interrupter.clone();
        self.renderer.get_or_insert_with(|| {
            let mut r = TuiMetricsRendererWrapper::new(interrupter, None);
            for (name, unit, higher_is_better) in METRICS {
                r.register_metric(MetricDefinition {
                    metric_id: MetricId::new(Arc::new(name.to_string())),
                    name: Arc::new(name.to_string()),
                    description: None,
                    attributes: MetricAttributes::Numeric(NumericAttributes {
                        unit: (!unit.is_empty()).then(|| unit.to_string()),
                        higher_is_better,
                    }),
                });
            }
            r.start(1, 0, Some(total_steps as usize), Some("AMVL training (steps)"));
            r.update_epoch(0);
            r.start_split("train", total_steps as usize);
            r
        })
    }

    fn close(&mut self) {
        if let Some(mut r) = self.renderer.take() {
            r.end_split();
            drop(r);
            for line in self.held.drain(..) {
                println!("{line}");
            }
        }
    }
}

impl Progress for Dashboard {
    fn record(&mut self, record: &StepRecord, total_steps: u64) {
        let line = record.line(total_steps);
        let r = self.renderer(total_steps);
        for ((name, _, _), value) in METRICS.iter().zip(values(record)) {
            let text = format!("{value:.4}");
            r.update_train(MetricState::Numeric(
                MetricEntry::new(
                    MetricId::new(Arc::new(name.to_string())),
                    SerializedEntry::new(text.clone(), text),
                ),
                Some(NumericEntry::Value(value)),
            ));
        }
        r.update_split(record.step as usize);
        r.log_event_training(line);
        if record.step >= total_steps {
            self.close();
        }
    }

    fn message(&mut self, text: &str) {
        match &mut self.renderer {
            Some(r) => {
                r.log_event_training(text.to_string());
                self.held.push(text.to_string());
            }
            None => println!("{text}"),
        }
    }

    fn should_stop(&self) -> bool {
        self.interrupter.should_stop()
    }

    fn finish(&mut self) {
        self.close();
    }
}

/// The dashboard when stdout is a terminal, lines otherwise.
pub fn for_stdout() -> Box<dyn Progress> {
    if std::io::stdout().is_terminal() {
        Box::new(Dashboard::new())
    } else {
        Box::new(LinePrinter)
    }
}

/// Prints nothing (the ranks other than 0 of a data-parallel run).
pub struct Silent;

impl Progress for Silent {
    fn record(&mut self, _: &StepRecord, _: u64) {}
    fn message(&mut self, _: &str) {}
}
