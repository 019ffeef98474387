"""Illustrations for the demo site, drawn with Pillow.

The demo must not ship film stills (they belong to the studios), so every picture here
is an abstract, evocative drawing made from gradients and silhouettes. Each function
returns a 1600 x 900 RGB ``PIL.Image``; ``jpeg_bytes`` turns one into a JPEG. Drawings
are deterministic: the same key always gives the same picture.
"""

import functools
import io
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

WIDTH, HEIGHT = 1600, 900
SIZE = (WIDTH, HEIGHT)
LABEL = "Illustration for the demo"


# -- building blocks -------------------------------------------------------------------


def _vertical_gradient(top, bottom, size=SIZE):
    mask = Image.linear_gradient("L").resize(size)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _falloff(v):
    """Map ``Image.radial_gradient`` (0 at the centre, 181 at the edge midpoints) to a
    smooth spot: 255 at the centre, fading to exactly 0 at the circle's edge."""
    d = min(1.0, v / 181.0)
    return 255 * (1 - d * d * (3 - 2 * d))


def _glow(image, center, radius, color, strength=1.0, squash=1.0):
    """Screen a soft round light onto ``image`` (``squash`` < 1 flattens it)."""
    rx, ry = int(radius), max(1, int(radius * squash))
    spot = Image.radial_gradient("L").point(lambda v: int(min(255, _falloff(v) * strength)))
    spot = spot.resize((2 * rx, 2 * ry), Image.BICUBIC)
    mask = Image.new("L", image.size, 0)
    mask.paste(spot, (int(center[0]) - rx, int(center[1]) - ry))
    light = Image.composite(
        Image.new("RGB", image.size, color), Image.new("RGB", image.size, 0), mask
    )
    return ImageChops.screen(image, light)


def _soft_polygon(image, points, color, blur, opacity=255):
    """Screen a blurred polygon of light onto ``image`` (a spotlight beam, a lit pane)."""
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).polygon(points, fill=opacity)
    mask = mask.filter(ImageFilter.GaussianBlur(blur))
    light = Image.composite(
        Image.new("RGB", image.size, color), Image.new("RGB", image.size, 0), mask
    )
    return ImageChops.screen(image, light)


def _vignette(image, strength=0.55):
    shade = Image.radial_gradient("L").resize((int(image.width * 1.5), int(image.height * 1.5)))
    left = (shade.width - image.width) // 2
    top = (shade.height - image.height) // 2
    shade = shade.crop((left, top, left + image.width, top + image.height))
    shade = shade.point(lambda v: int(255 - (255 - _falloff(v * 0.75)) * strength))
    return ImageChops.multiply(image, Image.merge("RGB", (shade, shade, shade)))


def _grain(image, amount=0.06, seed=0):
    random.seed(seed)
    noise = Image.effect_noise(image.size, 40).convert("RGB")
    return Image.blend(image, ImageChops.overlay(image, noise), amount)


def _label(image, text=LABEL):
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=22)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = image.width - (right - left) - 28
    y = image.height - (bottom - top) - 24
    draw.text((x + 1, y + 1), text, font=font, fill=(0, 0, 0))
    draw.text((x, y), text, font=font, fill=(225, 220, 210))
    return image


def _finish(image, seed):
    return _label(_grain(_vignette(image), seed=seed))


def _cello_layer(height, fill, with_bow=False, bow_fill=None):
    """An upright cello silhouette on a transparent layer ``height`` pixels tall."""
    w = int(height * 0.42)
    layer = Image.new("RGBA", (w, height), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    cx = w // 2
    body_top = int(height * 0.36)
    body_bottom = int(height * 0.93)
    lower_w = int(height * 0.34)
    upper_w = int(height * 0.28)
    waist_w = int(height * 0.2)
    lower_top = body_top + int((body_bottom - body_top) * 0.48)
    # lower bout, upper bout and the waist between them
    d.ellipse((cx - lower_w // 2, lower_top, cx + lower_w // 2, body_bottom), fill=fill)
    d.ellipse(
        (cx - upper_w // 2, body_top, cx + upper_w // 2, body_top + int(upper_w * 1.15)),
        fill=fill,
    )
    waist_top = body_top + int(upper_w * 0.55)
    d.rectangle((cx - waist_w // 2, waist_top, cx + waist_w // 2, lower_top + 30), fill=fill)
    # neck, pegbox and scroll
    neck_w = max(6, int(height * 0.028))
    d.rectangle((cx - neck_w // 2, int(height * 0.07), cx + neck_w // 2, body_top + 10), fill=fill)
    scroll_r = int(height * 0.03)
    d.ellipse(
        (cx - scroll_r, int(height * 0.02), cx + scroll_r, int(height * 0.02) + 2 * scroll_r),
        fill=fill,
    )
    # endpin
    d.line((cx, body_bottom - 4, cx, height - 1), fill=fill, width=max(3, neck_w // 3))
    if with_bow:
        d.line(
            (int(w * 0.02), int(height * 0.62), int(w * 0.98), int(height * 0.72)),
            fill=bow_fill or fill,
            width=max(3, neck_w // 2),
        )
    return layer


def _paste_rotated(image, layer, center, angle):
    rotated = layer.rotate(angle, resample=Image.BICUBIC, expand=True)
    x = int(center[0] - rotated.width / 2)
    y = int(center[1] - rotated.height / 2)
    base = image.convert("RGBA")
    base.alpha_composite(rotated, (x, y))
    return base.convert("RGB")


def _chair(draw, x, floor_y, scale, fill):
    seat_y = floor_y - int(110 * scale)
    w = int(90 * scale)
    draw.rectangle((x, seat_y, x + w, seat_y + int(10 * scale)), fill=fill)
    leg = max(3, int(6 * scale))
    for lx in (x + 4, x + w - 4 - leg):
        draw.rectangle((lx, seat_y, lx + leg, floor_y), fill=fill)
    draw.rectangle((x + w - leg - 4, seat_y - int(120 * scale), x + w - 4, seat_y), fill=fill)
    draw.rectangle(
        (x + w - int(40 * scale), seat_y - int(120 * scale), x + w - 4, seat_y - int(95 * scale)),
        fill=fill,
    )


def _music_stand(draw, x, floor_y, scale, fill):
    top = floor_y - int(300 * scale)
    draw.line((x, floor_y, x, top + int(40 * scale)), fill=fill, width=max(3, int(6 * scale)))
    draw.polygon(
        [
            (x - int(70 * scale), top),
            (x + int(70 * scale), top),
            (x + int(60 * scale), top + int(90 * scale)),
            (x - int(60 * scale), top + int(90 * scale)),
        ],
        fill=fill,
    )
    for dx in (-40, 0, 40):
        draw.line(
            (x, floor_y - int(20 * scale), x + int(dx * scale), floor_y),
            fill=fill,
            width=max(2, int(4 * scale)),
        )


def _figure(draw, cx, base_y, scale, fill, lean=0, hair="long"):
    """A seated person seen from the front, head and shoulders down to the lap."""
    head_r = int(44 * scale)
    neck_y = base_y - int(330 * scale)
    hx = cx + int(lean * scale)
    head_box = (hx - head_r, neck_y - int(2.2 * head_r), hx + head_r, neck_y - int(0.1 * head_r))
    if hair == "long":  # loose hair falling to the shoulders, wider than the face
        draw.polygon(
            [
                (hx - int(head_r * 1.05), neck_y - int(1.2 * head_r)),
                (hx + int(head_r * 1.05), neck_y - int(1.2 * head_r)),
                (hx + int(head_r * 1.35), neck_y + int(55 * scale)),
                (hx - int(head_r * 1.35), neck_y + int(55 * scale)),
            ],
            fill=fill,
        )
    else:  # hair gathered up in a bun
        bun = int(head_r * 0.5)
        top = head_box[1]
        draw.ellipse((hx - bun, top - int(bun * 1.3), hx + bun, top + int(bun * 0.7)), fill=fill)
    draw.ellipse(head_box, fill=fill)
    s = scale
    shoulder = int(112 * s)
    joint = int(38 * s)
    shoulder_y = neck_y + int(62 * s)
    draw.polygon(
        [
            (hx - int(18 * s), neck_y - 12),
            (hx + int(18 * s), neck_y - 12),
            (hx + int(26 * s), neck_y + int(18 * s)),
            (cx + shoulder - joint, shoulder_y - joint),
            (cx + shoulder, shoulder_y),
            (cx + int(shoulder * 0.8), base_y - int(140 * s)),
            (cx + int(shoulder * 1.0), base_y),
            (cx - int(shoulder * 1.0), base_y),
            (cx - int(shoulder * 0.8), base_y - int(140 * s)),
            (cx - shoulder, shoulder_y),
            (cx - shoulder + joint, shoulder_y - joint),
            (hx - int(26 * s), neck_y + int(18 * s)),
        ],
        fill=fill,
    )
    for side in (-1, 1):
        jx = cx + side * (shoulder - joint)
        draw.ellipse((jx - joint, shoulder_y - joint, jx + joint, shoulder_y + joint), fill=fill)


def _curtain(image, x0, x1, color, seed):
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed)
    x = x0
    while x < x1:
        fold = rng.randint(18, 40)
        shade = rng.uniform(0.55, 1.0)
        draw.rectangle(
            (x, 0, x + fold, image.height),
            fill=tuple(int(c * shade) for c in color),
        )
        x += fold
    return image


# -- the drawings ----------------------------------------------------------------------


def concert_hall_stage():
    """Level 0: an empty concert stage, one cello resting by a chair under a spotlight."""
    img = _vertical_gradient((14, 10, 12), (32, 20, 16))
    draw = ImageDraw.Draw(img)
    floor_y = 600
    # back wall panels
    for i in range(9):
        x = 260 + i * 120
        draw.rectangle((x, 120, x + 100, floor_y - 40), fill=(26, 19, 18))
    # stage floor: warm boards in perspective
    floor = _vertical_gradient((70, 42, 24), (22, 14, 10), (WIDTH, HEIGHT - floor_y))
    img.paste(floor, (0, floor_y))
    draw = ImageDraw.Draw(img)
    for i in range(-12, 13):
        draw.line(
            (WIDTH / 2 + i * 40, floor_y, WIDTH / 2 + i * 210, HEIGHT),
            fill=(18, 11, 8),
            width=2,
        )
    img = _curtain(img, 0, 230, (96, 14, 22), seed=1)
    img = _curtain(img, WIDTH - 230, WIDTH, (96, 14, 22), seed=2)
    # the spotlight beam and its pool on the boards
    img = _soft_polygon(
        img, [(740, 0), (860, 0), (1010, 690), (590, 690)], (120, 96, 60), blur=40, opacity=140
    )
    img = _glow(img, (800, 680), 300, (255, 200, 130), strength=1.1, squash=0.22)
    draw = ImageDraw.Draw(img)
    # shadow under the chair and cello
    draw.ellipse((690, 668, 930, 700), fill=(30, 18, 12))
    _chair(draw, 820, 690, 1.0, (12, 8, 8))
    img = _paste_rotated(img, _cello_layer(400, (10, 6, 6, 255)), (760, 490), -14)
    img = _glow(img, (780, 430), 120, (90, 60, 30), strength=0.6)
    # front-row seat backs, close to the camera
    draw = ImageDraw.Draw(img)
    for i in range(-1, 12):
        x = i * 150
        draw.rounded_rectangle((x, 780, x + 138, 960), radius=40, fill=(6, 4, 5))
    return _finish(img, seed=10)


def rehearsal_room():
    """Level 1: two chairs and two music stands facing each other in an empty room."""
    img = _vertical_gradient((38, 44, 52), (20, 22, 26))
    draw = ImageDraw.Draw(img)
    floor_y = 640
    img.paste(
        _vertical_gradient((64, 50, 38), (26, 20, 16), (WIDTH, HEIGHT - floor_y)), (0, floor_y)
    )
    # tall window throwing cool daylight on the floor
    img = _soft_polygon(img, [(620, 80), (980, 80), (980, 520), (620, 520)], (150, 170, 190), 6)
    draw = ImageDraw.Draw(img)
    draw.rectangle((795, 80, 805, 520), fill=(30, 34, 40))
    draw.rectangle((620, 295, 980, 305), fill=(30, 34, 40))
    img = _soft_polygon(
        img,
        [(620, 660), (980, 660), (1180, 880), (420, 880)],
        (90, 100, 110),
        blur=30,
        opacity=170,
    )
    draw = ImageDraw.Draw(img)
    dark = (14, 14, 16)
    _chair(draw, 430, 760, 1.3, dark)
    _music_stand(draw, 640, 770, 1.05, dark)
    _music_stand(draw, 960, 770, 1.05, dark)
    # the second chair faces the first: draw it mirrored
    mirror = Image.new("RGBA", (200, 340), (0, 0, 0, 0))
    _chair(ImageDraw.Draw(mirror), 40, 330, 1.3, dark + (255,))
    mirror = mirror.transpose(Image.FLIP_LEFT_RIGHT)
    base = img.convert("RGBA")
    base.alpha_composite(mirror, (1060, 430))
    img = base.convert("RGB")
    return _finish(img, seed=11)


def night_bus_window():
    """Level 2: a bus window at night, rain on the glass, lights smeared past outside."""
    img = _vertical_gradient((8, 10, 18), (4, 5, 9))
    pane = (250, 130, 1350, 700)
    outside = _vertical_gradient((10, 18, 40), (3, 5, 12), (pane[2] - pane[0], pane[3] - pane[1]))
    streaks = Image.new("RGB", outside.size, 0)
    sd = ImageDraw.Draw(streaks)
    rng = random.Random(7)
    for _ in range(38):
        y = rng.randint(180, outside.height - 40)
        x = rng.randint(-200, outside.width)
        length = rng.randint(120, 520)
        color = rng.choice([(255, 170, 80), (255, 220, 170), (200, 60, 40), (120, 170, 255)])
        sd.line((x, y, x + length, y + rng.randint(-6, 6)), fill=color, width=rng.randint(3, 9))
    # motion blur: squeeze horizontally, blur, stretch back
    streaks = (
        streaks.resize((outside.width // 8, outside.height))
        .filter(ImageFilter.GaussianBlur(3))
        .resize(outside.size)
        .filter(ImageFilter.GaussianBlur(4))
    )
    outside = ImageChops.screen(outside, streaks)
    # a dark treeline against the sky
    od = ImageDraw.Draw(outside)
    for x in range(0, outside.width, 14):
        od.rectangle(
            (x, 150 + int(18 * math.sin(x / 37.0)), x + 14, outside.height), fill=(4, 6, 10)
        )
    outside = ImageChops.screen(outside, streaks.point(lambda v: int(v * 0.8)))
    # rain drops on the glass
    drops = Image.new("RGB", outside.size, 0)
    dd = ImageDraw.Draw(drops)
    for _ in range(260):
        x, y = rng.randint(0, outside.width), rng.randint(0, outside.height)
        r = rng.randint(2, 6)
        dd.ellipse((x - r, y - r, x + r, y + r), fill=(70, 80, 100))
        if rng.random() < 0.15:
            dd.line(
                (x, y, x + rng.randint(-4, 4), y + rng.randint(20, 70)), fill=(50, 60, 80), width=2
            )
    outside = ImageChops.screen(outside, drops.filter(ImageFilter.GaussianBlur(1)))
    mask = Image.new("L", outside.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, outside.width, outside.height), 60, fill=255)
    img.paste(outside, pane[:2], mask)
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle(pane, radius=60, outline=(26, 28, 34), width=22)
    # the headrest of the seat in front, and a faint reading light above
    draw.rounded_rectangle((-80, 620, 560, 1000), radius=120, fill=(12, 12, 18))
    draw.rounded_rectangle((1180, 660, 1700, 1000), radius=120, fill=(10, 10, 15))
    img = _glow(img, (1450, 60), 160, (70, 60, 40), strength=0.8)
    return _finish(img, seed=12)


def shared_cello():
    """Level 3: two figures in warm light, playing one cello together."""
    img = _vertical_gradient((58, 28, 12), (14, 6, 3))
    img = _glow(img, (800, 360), 760, (230, 140, 60), strength=0.85, squash=0.75)
    img = _glow(img, (800, 300), 300, (255, 214, 150), strength=0.75)
    floor_y = 770
    img.paste(_vertical_gradient((54, 26, 10), (12, 6, 3), (WIDTH, HEIGHT - floor_y)), (0, floor_y))
    img = _glow(img, (800, 790), 460, (150, 80, 30), strength=0.6, squash=0.12)
    draw = ImageDraw.Draw(img)
    ink = (18, 9, 5)
    _figure(draw, 655, 790, 1.12, ink, lean=18, hair="long")
    _figure(draw, 945, 790, 1.12, ink, lean=-18, hair="bun")
    # the one cello between them, a shade lighter than the players so it reads
    img = _paste_rotated(img, _cello_layer(600, (44, 20, 9, 255)), (800, 530), 3)
    draw = ImageDraw.Draw(img)
    wood = (64, 30, 12)
    draw.line((1060, 548, 600, 618), fill=(70, 44, 24), width=6)  # the bow
    draw.line((1030, 470, 1068, 548), fill=ink, width=30)  # right player's arm on the bow
    draw.ellipse((1050, 530, 1090, 570), fill=ink)
    draw.line((580, 470, 770, 392), fill=ink, width=30)  # left player's hand on the strings
    draw.ellipse((752, 374, 796, 418), fill=ink)
    # warm rim light down the cello's edge
    img = _glow(img, (820, 560), 150, wood, strength=0.5)
    return _finish(img, seed=13)


def teacup():
    """Level 0 (Get Out): a teacup and spoon on a saucer, lit by a single lamp."""
    img = _vertical_gradient((30, 24, 20), (10, 8, 7))
    img = _glow(img, (1150, 160), 520, (160, 110, 60), strength=0.8)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 620, WIDTH, HEIGHT), fill=(38, 26, 18))  # table top
    img = _glow(img, (800, 640), 420, (120, 80, 40), strength=0.7, squash=0.2)
    draw = ImageDraw.Draw(img)
    china = (222, 214, 200)
    draw.ellipse((560, 600, 1040, 690), fill=(190, 182, 170))  # saucer
    draw.chord((620, 360, 980, 660), 0, 180, fill=china)  # bowl of the cup
    draw.ellipse((620, 470, 980, 550), fill=(70, 46, 30))  # tea
    draw.ellipse((620, 470, 980, 550), outline=china, width=8)
    draw.arc((940, 500, 1060, 610), -80, 90, fill=china, width=18)  # handle
    draw.line((700, 400, 860, 520), fill=(200, 200, 206), width=12)  # spoon
    draw.ellipse((680, 380, 722, 412), fill=(200, 200, 206))
    return _finish(img, seed=14)


def house_at_night():
    """Level 0 (Knives Out): a large old house at night, a few windows still lit."""
    img = _vertical_gradient((12, 16, 30), (30, 30, 40))
    img = _glow(img, (1300, 150), 80, (230, 230, 210), strength=1.2)  # moon
    draw = ImageDraw.Draw(img)
    ink = (8, 8, 12)
    draw.polygon(
        [
            (300, 720),
            (300, 380),
            (520, 220),
            (740, 380),
            (740, 300),
            (960, 160),
            (1180, 300),
            (1180, 720),
        ],
        fill=ink,
    )
    draw.rectangle((1020, 120, 1060, 260), fill=ink)  # chimney
    draw.rectangle((0, 700, WIDTH, HEIGHT), fill=(6, 8, 8))
    lit = {(0, 1), (1, 3), (2, 0), (1, 1)}
    for row in range(3):
        for col in range(6):
            x = 370 + col * 130
            y = 420 + row * 95
            color = (240, 190, 110) if (row, col % 4) in lit else (22, 22, 30)
            draw.rectangle((x, y, x + 50, y + 60), fill=color)
    for x, y in ((370 + 130, 420), (370 + 3 * 130, 515)):
        img = _glow(img, (x + 25, y + 30), 90, (120, 80, 30), strength=0.7)
    return _finish(img, seed=15)


def rainy_steps():
    """Level 0 (Parasite): rain on a steep flight of city steps at night."""
    img = _vertical_gradient((18, 22, 26), (6, 8, 10))
    draw = ImageDraw.Draw(img)
    for i in range(18):
        y0 = 120 + i * 44
        inset = 620 - i * 30
        shade = 40 + i * 4
        draw.rectangle((inset, y0, WIDTH - inset, y0 + 44), fill=(shade, shade + 4, shade + 8))
        draw.line((inset, y0, WIDTH - inset, y0), fill=(shade + 30,) * 3, width=3)
    img = _glow(img, (800, 60), 380, (200, 180, 130), strength=0.6, squash=0.5)
    rain = Image.new("RGB", SIZE, 0)
    rd = ImageDraw.Draw(rain)
    rng = random.Random(3)
    for _ in range(700):
        x, y = rng.randint(0, WIDTH), rng.randint(-60, HEIGHT)
        rd.line((x, y, x - 8, y + 50), fill=(90, 100, 110), width=1)
    img = ImageChops.screen(img, rain)
    return _finish(img, seed=16)


def office_corridor():
    """Level 0 (Severance): a long, bright, empty office corridor."""
    img = Image.new("RGB", SIZE, (206, 216, 208))
    draw = ImageDraw.Draw(img)
    vx, vy = WIDTH // 2, HEIGHT // 2 - 20
    far = (vx - 70, vy - 50, vx + 70, vy + 50)
    draw.polygon([(0, 0), (WIDTH, 0), (far[2], far[1]), (far[0], far[1])], fill=(236, 240, 236))
    draw.polygon(
        [(0, HEIGHT), (WIDTH, HEIGHT), (far[2], far[3]), (far[0], far[3])], fill=(120, 150, 130)
    )
    draw.polygon([(0, 0), (far[0], far[1]), (far[0], far[3]), (0, HEIGHT)], fill=(226, 230, 226))
    draw.polygon(
        [(WIDTH, 0), (far[2], far[1]), (far[2], far[3]), (WIDTH, HEIGHT)], fill=(214, 220, 214)
    )
    draw.rectangle(far, fill=(40, 46, 44))
    # ceiling light panels receding towards the vanishing point
    for t in (0.15, 0.35, 0.52, 0.66, 0.77, 0.85):
        half_w = (1 - t) * 220 + t * 20
        y = (1 - t) * 40 + t * far[1]
        depth = (1 - t) * 30 + t * 3
        draw.rectangle((vx - half_w, y, vx + half_w, y + depth), fill=(255, 255, 250))
    for t in (0.3, 0.6):
        x = (1 - t) * 0 + t * far[0]
        top = (1 - t) * 140 + t * far[1]
        bottom = (1 - t) * 820 + t * far[3]
        draw.polygon(
            [(x, top), (x + 60 * (1 - t), top + 10), (x + 60 * (1 - t), bottom), (x, bottom)],
            fill=(70, 90, 80),
        )
    return _finish(img, seed=17)


def river_at_dawn():
    """Level 0 (Gone Girl): a wide river under a grey sky at dawn."""
    img = _vertical_gradient((120, 124, 130), (190, 176, 160))
    img = _glow(img, (1100, 430), 300, (120, 90, 60), strength=0.8, squash=0.4)
    water = _vertical_gradient((120, 116, 112), (40, 44, 50), (WIDTH, HEIGHT - 470))
    wd = ImageDraw.Draw(water)
    rng = random.Random(5)
    for _ in range(160):
        y = rng.randint(0, water.height)
        x = rng.randint(0, WIDTH)
        wd.line((x, y, x + rng.randint(40, 200), y), fill=(150, 144, 136), width=2)
    img.paste(water.filter(ImageFilter.GaussianBlur(1.5)), (0, 470))
    draw = ImageDraw.Draw(img)
    for x in range(0, WIDTH, 10):
        h = 30 + int(14 * math.sin(x / 53.0) + 9 * math.sin(x / 17.0))
        draw.rectangle((x, 470 - h, x + 10, 472), fill=(62, 64, 66))
    return _finish(img, seed=18)


STILLS = {
    "concert-hall-stage": concert_hall_stage,
    "rehearsal-room": rehearsal_room,
    "night-bus-window": night_bus_window,
    "shared-cello": shared_cello,
    "teacup": teacup,
    "house-at-night": house_at_night,
    "rainy-steps": rainy_steps,
    "office-corridor": office_corridor,
    "river-at-dawn": river_at_dawn,
}


@functools.cache
def jpeg_bytes(key, quality=85):
    """The drawing named ``key`` in ``STILLS``, as JPEG bytes (drawn once per process)."""
    buffer = io.BytesIO()
    STILLS[key]().save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
