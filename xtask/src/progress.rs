//! Progress output: a live bar on a terminal, plain periodic lines otherwise (CI, pipes).

use amvl_train::{LinePrinter, Progress, StepRecord};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

pub struct Bar {
    bar: Option<ProgressBar>,
}

impl Progress for Bar {
    fn record(&mut self, record: &StepRecord, total_steps: u64) {
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(total_steps);
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} [{elapsed_precise} < {eta_precise}] {msg}")
                    .expect("template"),
            );
            bar
        });
        bar.set_position(record.step);
        bar.set_message(format!(
            "loss {:.3} ntp {:.3} fwd {:.3} rev {:.3} β {:.2} γ {:.2} {:.1}/s",
            record.total, record.ntp, record.forward, record.reverse, record.beta, record.gamma, record.samples_per_second
        ));
        bar.println(record.line(total_steps));
        if record.step >= total_steps {
            bar.finish();
        }
    }

    fn message(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }
}

/// A bar when stdout is a terminal, lines otherwise.
pub fn for_stdout() -> Box<dyn Progress> {
    if std::io::stdout().is_terminal() {
        Box::new(Bar { bar: None })
    } else {
        Box::new(LinePrinter)
    }
}
