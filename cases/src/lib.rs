pub fn linked() {}
