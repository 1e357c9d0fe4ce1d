//! Synthetic log generator.
