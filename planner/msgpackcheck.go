package planner

import (
	"encoding/binary"
	"fmt"
)

// checkMsgpack checks that b is one msgpack value whose arrays and maps
// claim no more elements than the bytes left could hold. go-cty's
// decoder sizes a collection from its header before reading any
// element, so a damaged saved plan holding "an array of two billion
// elements" in five bytes would end tack for want of memory, where it
// must get an error.
func checkMsgpack(b []byte) error {
	pending := 1 // values still to read
	for i := 0; pending > 0; pending-- {
		if i >= len(b) {
			return fmt.Errorf("msgpack value ends early")
		}
		c := b[i]
		i++
		var size, count int // bytes of payload to skip, elements to read
		switch {
		case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3:
			// fixint, nil, false, true
		case c >= 0x80 && c <= 0x8f:
			count = 2 * int(c&0x0f)
		case c >= 0x90 && c <= 0x9f:
			count = int(c & 0x0f)
		case c >= 0xa0 && c <= 0xbf:
			size = int(c & 0x1f)
		case c == 0xca:
			size = 4
		case c == 0xcb:
			size = 8
		case c >= 0xcc && c <= 0xd3: // uint8–64, int8–64
			size = 1 << ((c - 0xcc) % 4)
		case c >= 0xd4 && c <= 0xd8: // fixext 1–16, after its type byte
			size = 1 + 1<<(c-0xd4)
		case c == 0xc4 || c == 0xd9, c == 0xc5 || c == 0xda, c == 0xc6 || c == 0xdb: // bin, str
			n, w, err := length(b[i:], c)
			if err != nil {
				return err
			}
			i, size = i+w, n
		case c >= 0xc7 && c <= 0xc9: // ext 8–32, then its type byte
			n, w, err := length(b[i:], c)
			if err != nil {
				return err
			}
			i, size = i+w, n+1
		case c == 0xdc || c == 0xdd: // array 16, 32
			n, w, err := length(b[i:], c)
			if err != nil {
				return err
			}
			i, count = i+w, n
		case c == 0xde || c == 0xdf: // map 16, 32
			n, w, err := length(b[i:], c)
			if err != nil {
				return err
			}
			i, count = i+w, 2*n
		default:
			return fmt.Errorf("msgpack byte 0x%02x is not a value", c)
		}
		if size > len(b)-i {
			return fmt.Errorf("msgpack value claims %d bytes, and %d are left", size, len(b)-i)
		}
		i += size
		// Every element takes at least a byte.
		if count > len(b)-i {
			return fmt.Errorf("msgpack collection claims %d elements, and %d bytes are left", count, len(b)-i)
		}
		pending += count
	}
	return nil
}

// length reads the length that follows the msgpack type byte c, and
// returns it with the bytes it took.
func length(b []byte, c byte) (n, width int, err error) {
	switch c {
	case 0xc4, 0xc7, 0xd9:
		width = 1
	case 0xc5, 0xc8, 0xda, 0xdc, 0xde:
		width = 2
	default:
		width = 4
	}
	if len(b) < width {
		return 0, 0, fmt.Errorf("msgpack length ends early")
	}
	switch width {
	case 1:
		n = int(b[0])
	case 2:
		n = int(binary.BigEndian.Uint16(b))
	default:
		n = int(binary.BigEndian.Uint32(b))
	}
	return n, width, nil
}
