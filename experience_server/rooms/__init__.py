"""Rooms as data: librarians' templates stored with every version, built into scenes by
`scenes` from the books the catalog selects, and rebuilt when those books change."""
