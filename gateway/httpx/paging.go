package httpx

import (
	"encoding/base64"
	"encoding/binary"
	"strconv"

	"github.com/gin-gonic/gin"

	"safecontact/errs"
)

// Page is one page of a cursor-paginated list.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// TrimPage takes rows fetched with limit+1 and returns at most limit of
// them, with the cursor of the next page (nil on the last page).
func TrimPage[R any](rows []R, limit int32, cursor func(R) string) ([]R, *string) {
	if len(rows) <= int(limit) {
		return rows, nil
	}
	rows = rows[:limit]
	next := cursor(rows[len(rows)-1])
	return rows, &next
}

// PageArgs reads an id cursor and a limit from the query; it writes the
// error itself.
func PageArgs(c *gin.Context) (afterID int64, limit int32, ok bool) {
	afterID, err := DecodeCursor(c.Query("cursor"))
	if err == nil {
		limit, err = PageLimit(c)
	}
	if err != nil {
		Fail(c, err)
		return 0, 0, false
	}
	return afterID, limit, true
}

// Cursors are opaque to clients: base64 of the last id seen.
func EncodeCursor(id int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(id))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeCursor reads a cursor EncodeCursor made; "" is the first page.
func DecodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 8 {
		return 0, errs.Field(errs.CodeInvalidCursor, "cursor", "cursor is not one this API returned")
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// PageLimit reads ?limit= (1 to 500, default 50).
func PageLimit(c *gin.Context) (int32, error) {
	raw := c.DefaultQuery("limit", "50")
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > 500 {
		return 0, errs.Field(errs.CodeInvalidParameter, "limit", "limit must be a number from 1 to 500")
	}
	return int32(n), nil
}
