package gateway

import "github.com/gin-gonic/gin"

// safetyRoutes registers meeting points, appointments, check-in plans and
// escalations (staff). The reminders and check-ins work (issue 7) fills
// it in.
func (s *Server) safetyRoutes(staff *gin.RouterGroup) {}
