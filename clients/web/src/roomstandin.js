/**
 * A plain room built in the browser when the server has no scene for the room (rooms not
 * served yet, or no GLB for this profile): floor, walls, a blackboard, a table, and one
 * bookcase holding every book the server lists, spine titles drawn on canvases. Its nodes
 * carry the same names and extras as a server scene, so the rest of the client cannot
 * tell the difference.
 */
import * as THREE from "three";

const ROOM = { width: 8, depth: 8, height: 3.2 };
const SHELF_WIDTH = 3.2;
const SHELF_LEVELS = [0.45, 0.85, 1.25, 1.65];

/** @param {Array<{id: string, title?: string, page_count?: number}>} books */
export function buildStandInRoom(books) {
  const root = new THREE.Group();
  root.name = "stand-in-room";
  const floor = new THREE.Mesh(
    new THREE.PlaneGeometry(ROOM.width, ROOM.depth),
    new THREE.MeshLambertMaterial({ color: 0x7a5c43 }),
  );
  floor.name = "floor";
  floor.rotation.x = -Math.PI / 2;
  // A hair above the walls' box, whose bottom face would otherwise fight it.
  floor.position.y = 0.002;
  root.add(floor);

  const wallMaterial = new THREE.MeshLambertMaterial({ color: 0xd9cfbf, side: THREE.BackSide });
  const walls = new THREE.Mesh(new THREE.BoxGeometry(ROOM.width, ROOM.height, ROOM.depth), wallMaterial);
  walls.name = "walls";
  walls.position.y = ROOM.height / 2;
  root.add(walls);

  const board = new THREE.Mesh(
    new THREE.BoxGeometry(0.04, 1.3, 2.6),
    new THREE.MeshLambertMaterial({ color: 0x1f3b2d }),
  );
  board.name = "blackboard";
  board.userData = { kind: "blackboard" };
  board.position.set(-ROOM.width / 2 + 0.03, 1.55, 0);
  root.add(board);

  const table = new THREE.Mesh(
    new THREE.BoxGeometry(1.6, 0.05, 0.9),
    new THREE.MeshLambertMaterial({ color: 0x8b6a4a }),
  );
  table.name = "table";
  table.position.set(0, 0.74, 0.6);
  root.add(table);

  const spawn = new THREE.Object3D();
  spawn.name = "spawn";
  spawn.userData = { kind: "spawn" };
  spawn.position.set(0, 0, 2.6);
  root.add(spawn);
  const seat = new THREE.Object3D();
  seat.name = "seat";
  seat.userData = { kind: "seat" };
  seat.position.set(0, 0.45, 1.3);
  root.add(seat);

  root.add(bookcase(books));
  return root;
}

function bookcase(books) {
  const group = new THREE.Group();
  group.name = "bookcase";
  group.position.set(0, 0, -ROOM.depth / 2 + 0.25);
  const wood = new THREE.MeshLambertMaterial({ color: 0x5a3d28 });
  for (const y of [0.05, ...SHELF_LEVELS.map((l) => l - 0.02), 2.05]) {
    const plank = new THREE.Mesh(new THREE.BoxGeometry(SHELF_WIDTH, 0.03, 0.3), wood);
    plank.position.y = y;
    group.add(plank);
  }
  for (const x of [-SHELF_WIDTH / 2, SHELF_WIDTH / 2]) {
    const side = new THREE.Mesh(new THREE.BoxGeometry(0.03, 2.1, 0.3), wood);
    side.position.set(x, 1.05, 0);
    group.add(side);
  }
  let level = 0;
  let x = -SHELF_WIDTH / 2 + 0.05;
  for (const [i, book] of books.entries()) {
    const pages = Number(book.page_count ?? book.pages ?? 100) || 100;
    const thickness = Math.min(0.08, Math.max(0.018, pages * 0.00005 + 0.008));
    if (x + thickness > SHELF_WIDTH / 2 - 0.05) {
      level += 1;
      x = -SHELF_WIDTH / 2 + 0.05;
      if (level >= SHELF_LEVELS.length) break;
    }
    const height = 0.22 + 0.03 * ((i * 7) % 3) / 2;
    const spine = new THREE.Mesh(new THREE.BoxGeometry(thickness, height, 0.16), spineMaterials(book, i));
    spine.name = `book:${book.id}`;
    spine.userData = {
      kind: "book",
      book_id: String(book.id),
      record_id: book.record_id ?? null,
      title: book.title ?? null,
    };
    spine.position.set(x + thickness / 2, SHELF_LEVELS[level] + height / 2, 0.05);
    group.add(spine);
    x += thickness + 0.004;
  }
  return group;
}

const COLOURS = ["#6b2d2a", "#2d4a6b", "#3e5b35", "#6b5a2d", "#4a2d6b", "#2d6b63"];

function spineMaterials(book, i) {
  const colour = COLOURS[i % COLOURS.length];
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 512;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, 64, 512);
  ctx.fillStyle = "#f1e6c8";
  ctx.font = "bold 30px serif";
  ctx.translate(40, 20);
  ctx.rotate(Math.PI / 2);
  ctx.fillText(String(book.title ?? book.id).slice(0, 26), 0, 0, 470);
  const texture = new THREE.CanvasTexture(canvas);
  texture.colorSpace = THREE.SRGBColorSpace;
  const plain = new THREE.MeshLambertMaterial({ color: colour });
  const face = new THREE.MeshLambertMaterial({ map: texture });
  // BoxGeometry groups: +x, -x, +y, -y, +z (the spine, facing the room), -z.
  return [plain, plain, plain, plain, face, plain];
}
