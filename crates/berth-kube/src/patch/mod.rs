//! Patch engines: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge
//! patch, with the error texts the API server reports.

mod json_patch;
mod merge;
mod strategic;

pub use json_patch::{JsonPatchError, apply_json_patch};
pub use merge::apply_merge_patch;
pub use strategic::{
    StrategicPatchError, apply_strategic_merge_patch, create_three_way_merge_patch,
    create_two_way_merge_patch, supports_strategic_merge_patch,
};
