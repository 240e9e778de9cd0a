//! tarexport
use std::io::{Read, Write};
impl super::ImageService {
    /// `POST /images/load`: returns the lines to stream ("Loaded image: busybox:latest").
    pub fn load_image(
        &self,
        src: &mut dyn Read,
        quiet: bool,
    ) -> crate::errdefs::Result<Vec<String>> {
        let _ = (src, quiet);
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
    /// `GET /images/get`: write a docker-save tar of `names` to `out`.
    pub fn export_image(
        &self,
        names: &[String],
        out: &mut dyn Write,
    ) -> crate::errdefs::Result<()> {
        let _ = (names, out);
        Err(crate::errdefs::Error::not_implemented("not yet"))
    }
}
