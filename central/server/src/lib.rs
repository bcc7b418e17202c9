//! placeholder: lands with the central-API work
