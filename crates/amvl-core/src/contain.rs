//! Some third-party readers panic on malformed input where they should return an error (the
//! fuzz soak found such cases in the parquet, tokenizers and Burn optimizer-record readers).
//! Calls into them go through [`contain`], which turns the panic into an error message, so bad
//! input never takes the process down.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Runs `f`; a panic comes back as `Err` with its message.
pub fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        return (*text).to_string();
    }
    if let Some(text) = payload.downcast_ref::<String>() {
        return text.clone();
    }
    "the reader panicked".into()
}

#[cfg(test)]
mod tests {
    use super::contain;

    #[test]
    fn a_panic_becomes_its_message_and_a_value_passes_through() {
        assert_eq!(contain(|| 3), Ok(3));
        let index = 7;
        let err = contain(|| -> u8 { panic!("column {index} is negative") }).unwrap_err();
        assert_eq!(err, "column 7 is negative");
        assert_eq!(contain(|| -> u8 { panic!("static") }).unwrap_err(), "static");
    }
}
