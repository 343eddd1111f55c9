//! cancel (in progress)
