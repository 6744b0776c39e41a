package gateway

import "github.com/gin-gonic/gin"

// auditRoutes registers the supervisor tools (audit log, export, verify,
// contact log, phone reveal). The audit work (issue 8) fills it in.
func (s *Server) auditRoutes(v1 *gin.RouterGroup) {}
