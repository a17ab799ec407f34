package release

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// entry is one file in an archive or package: its path (without a leading
// "./") and mode bits.
type entry struct {
	Path string
	Mode os.FileMode
	Data []byte // only for small files (completions, licence, man pages)
}

const keepData = 1 << 20

func listTarGz(r io.Reader) (map[string]entry, error) {
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	out := map[string]entry{}
	tr := tar.NewReader(z)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeDir {
			continue
		}
		e := entry{Path: strings.TrimPrefix(h.Name, "./"), Mode: os.FileMode(h.Mode).Perm()}
		if h.Size < keepData {
			e.Data, _ = io.ReadAll(tr)
		}
		out[e.Path] = e
	}
}

func listZip(path string) (map[string]entry, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out := map[string]entry{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		out[f.Name] = entry{Path: f.Name, Mode: f.Mode().Perm()}
	}
	return out, nil
}

// listDeb reads a .deb: an ar archive whose data.tar.gz holds the files.
func listDeb(path string) (map[string]entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(data, []byte("!<arch>\n")) {
		return nil, fmt.Errorf("%s: not an ar archive", path)
	}
	off := 8
	for off+60 <= len(data) {
		h := data[off : off+60]
		name := strings.TrimRight(strings.TrimSpace(string(h[:16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(h[48:58])))
		if err != nil {
			return nil, fmt.Errorf("%s: bad ar header", path)
		}
		body := data[off+60 : off+60+size]
		if name == "data.tar.gz" {
			return listTarGz(bytes.NewReader(body))
		}
		off += 60 + size + size%2
	}
	return nil, fmt.Errorf("%s: no data.tar.gz", path)
}

// listRPM reads an .rpm: a lead, a signature header (padded to 8 bytes), the
// header, then a gzip-compressed cpio (newc) payload.
func listRPM(path string) (map[string]entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(data) < 96 || !bytes.HasPrefix(data, []byte{0xed, 0xab, 0xee, 0xdb}) {
		return nil, fmt.Errorf("%s: not an rpm", path)
	}
	header := func(off int) (int, error) {
		if off+16 > len(data) || !bytes.HasPrefix(data[off:], []byte{0x8e, 0xad, 0xe8}) {
			return 0, fmt.Errorf("%s: bad rpm header at %d", path, off)
		}
		n := int(binary.BigEndian.Uint32(data[off+8:]))
		size := int(binary.BigEndian.Uint32(data[off+12:]))
		return off + 16 + n*16 + size, nil
	}
	off, err := header(96)
	if err != nil {
		return nil, err
	}
	off = (off + 7) / 8 * 8
	if off, err = header(off); err != nil {
		return nil, err
	}
	z, err := gzip.NewReader(bytes.NewReader(data[off:]))
	if err != nil {
		return nil, fmt.Errorf("%s: payload: %w", path, err)
	}
	return listCpio(bufio.NewReader(z))
}

// listCpio reads a "newc" cpio archive (070701: 13 fields of 8 hex digits).
func listCpio(r io.Reader) (map[string]entry, error) {
	out := map[string]entry{}
	pad := func(n int) int { return (4 - n%4) % 4 }
	for {
		h := make([]byte, 110)
		if _, err := io.ReadFull(r, h); err != nil {
			return nil, err
		}
		if string(h[:6]) != "070701" {
			return nil, fmt.Errorf("cpio: bad magic %q", h[:6])
		}
		field := func(i int) int {
			v, _ := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
			return int(v)
		}
		mode, size, nameSize := field(1), field(6), field(11)
		name := make([]byte, nameSize+pad(110+nameSize))
		if _, err := io.ReadFull(r, name); err != nil {
			return nil, err
		}
		n := strings.TrimRight(string(name[:nameSize]), "\x00")
		if n == "TRAILER!!!" {
			return out, nil
		}
		body := make([]byte, size+pad(size))
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, err
		}
		if mode&0o170000 == 0o100000 { // regular files only
			e := entry{Path: strings.TrimLeft(strings.TrimPrefix(n, "."), "/"), Mode: os.FileMode(mode).Perm()}
			if size < keepData {
				e.Data = body[:size]
			}
			out[e.Path] = e
		}
	}
}

func tarReader(r io.Reader) *tar.Reader { return tar.NewReader(r) }
