package gateway

import "github.com/gin-gonic/gin"

// voiceRoutes registers the call-back queue, inbox and erase API (staff)
// and the voice/inbound webhooks. The voice and inbound work (issue 6)
// fills it in.
func (s *Server) voiceRoutes(staff *gin.RouterGroup, hooks *gin.RouterGroup) {}
