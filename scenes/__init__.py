"""Room spec -> room scene: templates, layout, shelves, lights, device profiles, GLB, and
previews rendered with Panda3D off screen. Receives plain book placements; never imports
`book_renderer` or `catalog_adapter`."""
