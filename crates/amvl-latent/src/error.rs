/// An invalid `[model.latent]` table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LatentConfigError {
    #[error("latent.d_latent and latent.head_hidden must be positive")]
    ZeroWidth,
    #[error("latent.log_std_min ({min}) must be below latent.log_std_max ({max})")]
    EmptyRange { min: f64, max: f64 },
    #[error("latent.log_std_init ({init}) must lie strictly inside [log_std_min, log_std_max] = [{min}, {max}]")]
    InitOutsideRange { init: f64, min: f64, max: f64 },
}
