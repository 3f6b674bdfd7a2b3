"""Worker- and connector-level configuration: parsing files and declaring keys."""
