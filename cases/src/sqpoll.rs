//! sqpoll (in progress)
