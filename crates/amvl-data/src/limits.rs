//! The limits every reader enforces on its input, so that hostile or broken files give a clear
//! error instead of exhausting memory. Each is refused with an error that names the limit.
//! Sequence lengths are the run config's `data.max_question_len`, `data.max_target_len` and
//! `data.max_answer_len`; the number of options is [`MAX_OPTIONS`](crate::MAX_OPTIONS).

/// Longest JSONL line read (image paths are references, so real lines are a few hundred bytes).
pub const MAX_JSONL_LINE_BYTES: usize = 1 << 20;
/// Most images one item may list (the batcher's `data.max_images` is the usual, lower bound).
pub const MAX_IMAGES_PER_ITEM: usize = 16;
/// Largest width or height of an image, checked from its header before any pixel is decoded.
pub const MAX_IMAGE_SIDE: u32 = 16_384;
/// Most pixels of an image (width × height), checked from its header: a decompression bomb
/// declares huge dimensions in a few bytes.
pub const MAX_IMAGE_PIXELS: u64 = 64 * 1024 * 1024;
/// Most bytes a decoder may allocate for one image.
pub const MAX_IMAGE_DECODE_BYTES: u64 = 512 * 1024 * 1024;
/// Largest `tokenizer.json` read.
pub const MAX_TOKENIZER_BYTES: u64 = 256 * 1024 * 1024;
