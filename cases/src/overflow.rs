//! overflow (in progress)
