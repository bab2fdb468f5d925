"""The full report as a web page: signed links to it (`links`), its HTML (`page`) and its routes in `serve`
(`routes`)."""
