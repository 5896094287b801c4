// The icons the shell uses, imported one by one so the bundle carries only these.
import {
  Calendar,
  EditPen,
  Expand,
  Fold,
  Lock,
  Monitor,
  Notebook,
  Odometer,
  Refresh,
  Setting,
  Tickets,
  User,
  Warning,
} from '@element-plus/icons-vue';

export const icons = {
  Calendar,
  EditPen,
  Expand,
  Fold,
  Lock,
  Monitor,
  Notebook,
  Odometer,
  Refresh,
  Setting,
  Tickets,
  User,
  Warning,
};
