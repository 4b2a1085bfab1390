//! The report (SPEC §6): its types in one place (`types`), how they are built (`build`), and the
//! guard every result passes on its way out (`finite`: no NaN or Infinity, the path named).

pub mod build;
#[cfg(feature = "analysis")]
pub mod compare;
pub mod finite;
pub mod types;
