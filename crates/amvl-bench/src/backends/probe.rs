//! Is a device usable? Parsing names the missing Cargo feature; a tiny computation, with panics
//! caught, tells an absent driver or adapter from a working device.

use amvl_core::{DeviceError, parse_device, set_float_dtype};
use burn::prelude::*;
use burn::tensor::FloatDType;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What a device name gave.
#[derive(Clone, Debug)]
pub enum DeviceStatus {
    /// The device computes; `float` is the float dtype its tensors use.
    Ready { device: Device, float: FloatDType },
    /// The backend is not compiled into this binary.
    NotCompiled(String),
    /// Compiled in, but no driver or adapter answered.
    Unavailable(String),
}

impl DeviceStatus {
    pub fn is_ready(&self) -> bool {
        matches!(self, DeviceStatus::Ready { .. })
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "the backend panicked".to_string()
    }
}

/// Opens `name` (`flex`, `wgpu`, `cuda:0`, …) with `float` as its default float dtype and checks
/// that it computes `sum([1, 2, 3, 4]) = 10`. Must run before any tensor is made on the device.
pub fn probe_device(name: &str, float: FloatDType) -> DeviceStatus {
    let mut device = match parse_device(name) {
        Ok(d) => d,
        Err(e @ DeviceError::NotCompiled { .. }) => return DeviceStatus::NotCompiled(e.to_string()),
        Err(e) => return DeviceStatus::Unavailable(e.to_string()),
    };
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        set_float_dtype(&mut device, name, float).map_err(|e| e.to_string())?;
        let t = Tensor::<1>::from_floats([1.0, 2.0, 3.0, 4.0], &device);
        let sum = t.sum().into_scalar::<f32>();
        if (sum - 10.0).abs() > 1e-3 {
            return Err(format!("{name} computed sum([1,2,3,4]) = {sum}"));
        }
        Ok(())
    }));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(Ok(())) => DeviceStatus::Ready { device, float },
        Ok(Err(message)) => DeviceStatus::Unavailable(message),
        Err(payload) => DeviceStatus::Unavailable(format!("{name}: {}", panic_text(payload))),
    }
}
