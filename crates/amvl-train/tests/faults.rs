//! Faults a run folder must survive: damaged checkpoints, a run that died before its first
//! checkpoint, a second trainer on the same folder, a stale lock, a damaged final model.
mod common;

use amvl_train::checkpoint::{CHECKPOINT_MODEL_FILE, OPTIMIZER_FILE};
use amvl_train::run::{FINAL_MODEL_FILE, TrainRequest, load_run, run_training};
use amvl_train::run_lock::{LOCK_FILE, RunLock};
use amvl_train::session::DataSource;
use amvl_train::{Checkpoints, Progress, RunError, StepRecord, StopAt};
use burn::prelude::*;
use common::{parameters, tiny_run_config};
use std::path::{Path, PathBuf};

/// Burn seeds its random generator per process, so tests that train must not interleave.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Keeps the messages a run prints.
#[derive(Default)]
struct Messages(Vec<String>);
impl Progress for Messages {
    fn record(&mut self, _: &StepRecord, _: u64) {}
    fn message(&mut self, text: &str) {
        self.0.push(text.to_string());
    }
}

/// 6 steps with a checkpoint every 2.
fn request(out: &Path, resume: bool, stop: Option<u64>) -> TrainRequest {
    let mut config = tiny_run_config();
    config.train.checkpoint_every = 2;
    TrainRequest {
        pretrained: Default::default(),
        config,
        data: DataSource::Suite,
        out: out.to_path_buf(),
        resume,
        stop: StopAt(stop),
    }
}

fn run(out: &Path, resume: bool, stop: Option<u64>) -> (Result<u64, RunError>, Vec<String>) {
    let mut messages = Messages::default();
    let result = run_training(&request(out, resume, stop), &Device::flex(), &mut messages);
    (result.map(|(outcome, _, _)| outcome.state.step), messages.0)
}

fn straight(dir: &Path) -> PathBuf {
    let out = dir.join("straight");
    run(&out, false, None).0.unwrap();
    out
}

fn flip_byte(file: &Path, at: u64) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = std::fs::OpenOptions::new().read(true).write(true).open(file).unwrap();
    let mut byte = [0u8];
    f.seek(SeekFrom::Start(at)).unwrap();
    f.read_exact(&mut byte).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[byte[0] ^ 0x10]).unwrap();
}

fn checkpoint(out: &Path, step: u64) -> PathBuf {
    out.join("checkpoints").join(format!("step-{step:08}"))
}

#[test]
fn a_bit_flipped_latest_checkpoint_is_named_and_the_run_resumes_from_the_one_before() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let reference = straight(dir.path());
    let out = dir.path().join("flipped");
    assert_eq!(run(&out, false, Some(4)).0.unwrap(), 4);
    let optimizer = checkpoint(&out, 4).join(OPTIMIZER_FILE);
    let middle = std::fs::metadata(&optimizer).unwrap().len() / 2;
    flip_byte(&optimizer, middle);

    let (result, messages) = run(&out, true, None);
    assert_eq!(result.unwrap(), 6);
    let warning = messages.iter().find(|m| m.contains("damaged")).expect("a warning");
    assert!(
        warning.contains("optimizer.bpk") && warning.contains("SHA-256"),
        "{warning}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("resumed from") && m.contains("step 2")),
        "{messages:?}"
    );
    assert!(
        out.join("checkpoints/damaged-step-00000004")
            .join(OPTIMIZER_FILE)
            .is_file()
    );
    assert_eq!(parameters(&reference), parameters(&out));
}

#[test]
fn a_truncated_only_checkpoint_stops_the_resume_with_the_file_named() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("truncated");
    run(&out, false, Some(2)).0.unwrap();
    let model = checkpoint(&out, 2).join(CHECKPOINT_MODEL_FILE);
    let len = std::fs::metadata(&model).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&model)
        .unwrap()
        .set_len(len / 3)
        .unwrap();

    let err = run(&out, true, None).0.unwrap_err().to_string();
    assert!(err.contains("no undamaged checkpoint"), "{err}");
    assert!(
        err.contains(&model.display().to_string()) && err.contains("truncated"),
        "{err}"
    );
    assert!(model.is_file(), "the damaged checkpoint is kept");
}

#[test]
fn a_half_written_checkpoint_without_manifest_is_passed_over() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let reference = straight(dir.path());
    let out = dir.path().join("half");
    run(&out, false, Some(4)).0.unwrap();
    std::fs::remove_file(checkpoint(&out, 4).join(amvl_core::manifest::MANIFEST_FILE)).unwrap();
    let (result, messages) = run(&out, true, None);
    assert_eq!(result.unwrap(), 6);
    assert!(messages.iter().any(|m| m.contains("no manifest")), "{messages:?}");
    assert_eq!(parameters(&reference), parameters(&out));
}

#[test]
fn resume_before_the_first_checkpoint_starts_at_step_zero() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let reference = straight(dir.path());
    let out = dir.path().join("early");
    run(&out, false, Some(2)).0.unwrap();
    std::fs::remove_dir_all(out.join("checkpoints")).unwrap();
    let (result, messages) = run(&out, true, None);
    assert_eq!(result.unwrap(), 6);
    assert!(
        messages.iter().any(|m| m.contains("starts from step 0")),
        "{messages:?}"
    );
    assert_eq!(parameters(&reference), parameters(&out));

    let unprepared = dir.path().join("unprepared");
    std::fs::create_dir_all(&unprepared).unwrap();
    assert_eq!(run(&unprepared, true, None).0.unwrap(), 6);
    assert_eq!(parameters(&reference), parameters(&unprepared));
}

#[test]
fn a_second_trainer_is_refused_with_the_holder_named_and_a_stale_lock_is_taken_over() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("locked");
    run(&out, false, Some(2)).0.unwrap();
    {
        let (_held, stale) = RunLock::acquire(&out).unwrap();
        assert_eq!(stale, None, "a finished run leaves no holder");
        let err = run(&out, true, None).0.unwrap_err();
        assert!(matches!(err, RunError::Lock(_)), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())) && text.contains("in use"),
            "{text}"
        );
        assert_eq!(
            Checkpoints::new(out.join("checkpoints")).all().len(),
            1,
            "nothing was trained"
        );
    }
    let dead = r#"{"pid":4194303,"host":"elsewhere","started":"2026-01-01T00:00:00Z"}"#;
    std::fs::write(out.join(LOCK_FILE), dead).unwrap();
    let (result, messages) = run(&out, true, None);
    assert_eq!(result.unwrap(), 6);
    let warning = messages
        .iter()
        .find(|m| m.contains("taking it over"))
        .expect("a warning");
    assert!(warning.contains("pid 4194303 on elsewhere"), "{warning}");
}

#[test]
fn equal_runs_write_equal_model_files_and_a_damaged_one_is_refused() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let a = straight(dir.path());
    let b = dir.path().join("again");
    run(&b, false, None).0.unwrap();
    let bytes = |run: &Path| std::fs::read(run.join(FINAL_MODEL_FILE)).unwrap();
    assert!(bytes(&a) == bytes(&b), "model.safetensors differs between equal runs");

    let file = b.join(FINAL_MODEL_FILE);
    let len = std::fs::metadata(&file).unwrap().len();
    flip_byte(&file, len - 10);
    let err = load_run(&b, &Device::flex()).unwrap_err().to_string();
    assert!(err.contains("model.safetensors") && err.contains("damaged"), "{err}");
}

/// A tmpfs of `size` mounted at `dir` for as long as it lives (root only).
struct Tmpfs(PathBuf);
impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status();
        status.is_ok_and(|s| s.success()).then(|| Tmpfs(dir.to_path_buf()))
    }
    fn resize(&self, size: &str) {
        let status = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_names_the_path_keeps_the_last_checkpoint_and_the_run_resumes_when_space_returns() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let reference = straight(dir.path());
    // Two checkpoints of this model (3.3 MB each) fit in 8 MiB; the third does not.
    let Some(disk) = Tmpfs::mount(&dir.path().join("small-disk"), "8m") else {
        eprintln!("SKIPPED a_full_disk_…: cannot mount a tmpfs here (needs root)");
        return;
    };
    let out = disk.0.join("run");
    let err = run(&out, false, None).0.unwrap_err().to_string();
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.contains(&out.display().to_string()),
        "the error names the path: {err}"
    );
    let good = Checkpoints::new(out.join("checkpoints"))
        .newest_good()
        .unwrap()
        .unwrap();
    assert_eq!(good.path, checkpoint(&out, 4));
    assert!(good.damaged.is_empty(), "{:?}", good.damaged);

    disk.resize("64m");
    let (result, messages) = run(&out, true, None);
    assert_eq!(result.unwrap(), 6);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("resumed from") && m.contains("step 4")),
        "{messages:?}"
    );
    assert_eq!(parameters(&reference), parameters(&out));
}

#[test]
fn a_full_disk_under_the_metrics_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    if !Path::new("/dev/full").exists() {
        eprintln!("SKIPPED a_full_disk_under_the_metrics_file…: no /dev/full here");
        return;
    }
    std::os::unix::fs::symlink("/dev/full", dir.path().join("metrics.csv")).unwrap();
    let err = amvl_train::MetricsLog::open(dir.path(), None)
        .err()
        .expect("a full disk")
        .to_string();
    assert!(
        err.contains("metrics.csv") && err.contains("No space left on device"),
        "{err}"
    );
}
