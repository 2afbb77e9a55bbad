//! Writes a contact sheet of a suite split (the same as `cargo xtask data preview`):
//! `cargo run -p amvl-data --example preview -- test-ood sheet.png [per_task] [image_size]`.

use amvl_data::{Split, Task, write_suite_preview};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split: Split = args.first().map(String::as_str).unwrap_or("test-ood").parse()?;
    let out = args.get(1).cloned().unwrap_or_else(|| "sheet.png".into());
    let per_task: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2);
    let size: u32 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(64);
    let n = write_suite_preview(0, split, &Task::ALL, per_task, size, out.as_ref())?;
    println!("wrote {n} items to {out}");
    Ok(())
}
